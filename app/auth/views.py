"""Registration, login and logout pages. Registered users are citizens."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import LoginForm, RegistrationForm
from app.exceptions import AgoraError
from app.extensions import db, limiter
from app.models import Role
from app.security.redirects import safe_redirect_target
from app.security.sessions import begin_login_session, revoke_sessions
from app.services import accounts, passwords
from app.services.participants import SESSION_KEY, get_or_create_participant


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a link send people anywhere."""
    return safe_redirect_target(target, url_for("pages.home"))


def _start_session(user, remember: bool = False) -> None:
    begin_login_session()
    login_user(user, remember=remember)
    # Votes cast anonymously on this device now belong to the account.
    get_or_create_participant()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def register():
    form = RegistrationForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.password.data, Role.CITIZEN)
            db.session.commit()
        except AgoraError as error:
            if error.code != "email_taken":
                raise
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            _start_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(_safe_next(form.next.data))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user is not None and passwords.verify_password(user.password_hash, form.password.data):
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(form.password.data)
                db.session.commit()
            _start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(_safe_next(form.next.data))
        # The same message whether the address is unknown or the password wrong.
        form.password.errors.append(_("The email address or password is wrong."))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    revoke_sessions(current_user.id)  # this cookie, copies of it and remember-me cookies all end here
    db.session.commit()
    logout_user()
    # The device's participant is the account's now; the next visitor here starts afresh.
    session.pop(SESSION_KEY, None)
    flash(_("You are logged out."), "success")
    return redirect(url_for("pages.home"))
