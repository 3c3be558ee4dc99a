"""The language switcher."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, session, url_for

from app.i18n import LOCALE_SESSION_KEY
from app.pages import bp


@bp.post("/language")
def set_language():
    """Remember the chosen language and go back to the page the switcher was on."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["AGORA_LANGUAGES"]:
        abort(400)
    session[LOCALE_SESSION_KEY] = locale
    target = request.form.get("next", "")
    # Only same-site paths: an open redirect would let a link send people anywhere.
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = url_for("pages.home")
    return redirect(target)
