"""Registration, login and logout, email verification and password reset. Registered users are citizens.

Nothing here tells a visitor whether an address has an account: registration answers alike
(the owner of a registered address gets an email instead), a login with an unknown address
takes as long as a wrong password (a dummy hash is checked), and a reset request answers alike.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import ForgotPasswordForm, LoginForm, RegistrationForm, ResetPasswordForm
from app.extensions import db, limiter
from app.models import Role
from app.security.redirects import safe_redirect_target
from app.security.sessions import begin_login_session, revoke_sessions
from app.services import accounts, accounts_mail, passwords
from app.services.participants import SESSION_KEY
from app.services.participation import merge


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a link send people anywhere."""
    return safe_redirect_target(target, url_for("pages.home"))


def _start_session(user, remember: bool = False) -> None:
    begin_login_session()
    login_user(user, remember=remember)
    # What this device did anonymously now belongs to the account, in one transaction.
    moved = merge.attach_device(user)
    db.session.commit()
    merge.votes_moved(moved)


def _address_limit() -> str:
    return current_app.config["AGORA_LOGIN_ADDRESS_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["AGORA_LOGIN_ACCOUNT_RATE_LIMIT"]


def _account_key() -> str:
    """Failed logins per account, whatever address they come from (a distributed guess)."""
    return "login-account:" + accounts.normalize_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def register():
    form = RegistrationForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        existing = accounts.find_user(form.email.data)
        if existing is None:
            user = accounts.create_user(form.email.data, form.password.data, Role.CITIZEN)
            db.session.flush()
            accounts_mail.send_verification(user)
        else:
            passwords.hash_password(form.password.data)  # the same work, so the same time
            accounts_mail.send_already_registered(existing.email)
        db.session.commit()
        return render_template("auth/check_email.html", email=accounts.normalize_email(form.email.data))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        # An unknown address is checked against a dummy hash: the answer takes as long.
        if passwords.verify_password(user.password_hash if user else None, form.password.data):
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(form.password.data)
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


@bp.get("/verify/<token>")
def verify_email(token: str):
    """The link of the verification email: a button, so that a mail scanner's visit verifies nothing."""
    user = accounts_mail.verify_email(token)  # a 400 page for a bad or expired link
    db.session.rollback()
    return render_template("auth/verify.html", token=token, email=user.email)


@bp.post("/verify/<token>")
def confirm_email(token: str):
    accounts_mail.verify_email(token)
    db.session.commit()
    flash(_("Thank you: your email address is verified."), "success")
    return redirect(url_for("auth.account") if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/verify", methods=["GET", "POST"])
@login_required
@limiter.limit("5/hour", methods=["POST"])
def verify_request():
    """Send the verification email again."""
    if request.method == "POST" and current_user.email_verified_at is None:
        accounts_mail.send_verification(current_user)
        db.session.commit()
        flash(_("We sent the verification email again. Check your inbox."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/verify_request.html")


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user is not None:
            accounts_mail.send_password_reset(user)
            db.session.commit()
        # The same answer whether or not the address has an account.
        return render_template("auth/check_email.html", email=accounts.normalize_email(form.email.data), reset=True)
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def reset_password(token: str):
    accounts_mail.user_for_reset(token)  # a 400 page for a used, expired or bad link
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = accounts_mail.reset_password(token, form.password.data)
        db.session.commit()
        _start_session(user)
        flash(_("Your new password is set, and you are logged in."), "success")
        return redirect(url_for("pages.home"))
    return render_template("auth/reset.html", form=form, token=token), 400 if form.errors else 200
