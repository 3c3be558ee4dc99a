"""My account: verification status, downloading my data, deleting the account."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.auth import bp
from app.auth.forms import DeleteAccountForm
from app.extensions import db
from app.services import privacy
from app.services.participants import SESSION_KEY


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html", form=DeleteAccountForm())


@bp.get("/account/data.json")
@login_required
def download_data():
    body = json.dumps(privacy.export_data(current_user), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="agora-my-data.json"'},
    )


@bp.post("/account/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return render_template("auth/account.html", form=form), 400
    privacy.delete_account(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.pop(SESSION_KEY, None)
    flash(
        _("Your account and your personal data were deleted. Your votes and statements stay, anonymously."), "success"
    )
    return redirect(url_for("pages.home"))
