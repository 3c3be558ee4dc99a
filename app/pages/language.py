"""The language switcher."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, session, url_for

from app.i18n import LOCALE_SESSION_KEY
from app.pages import bp
from app.security.redirects import safe_redirect_target


@bp.post("/language")
def set_language():
    """Remember the chosen language and go back to the page the switcher was on."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["AGORA_LANGUAGES"]:
        abort(400)
    session[LOCALE_SESSION_KEY] = locale
    # Only same-site paths: an open redirect would let a link send people anywhere.
    return redirect(safe_redirect_target(request.form.get("next"), url_for("pages.home")))
