"""Registration and login forms (Flask-WTF: CSRF-protected, validated on the server)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import Email, EqualTo, InputRequired, Length

MIN_PASSWORD_LENGTH = 10


def _email_field() -> EmailField:
    """An address to register or to send a reset link to."""
    return EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )


def _new_password_field(label) -> PasswordField:
    """A password being chosen (registration, reset): at least MIN_PASSWORD_LENGTH characters."""
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=1024, message=_l("Use at least 10 characters.")),
        ],
    )


def _confirm_field() -> PasswordField:
    """The chosen password, typed again."""
    return PasswordField(_l("Repeat the password"), validators=[EqualTo("password", _l("The two passwords differ."))])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class RegistrationForm(FlaskForm):
    email = _email_field()
    password = _new_password_field(_l("Password"))
    confirm = _confirm_field()
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field()


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand: my account and personal data are deleted; my votes and statements stay, anonymously."),
        validators=[InputRequired(_l("Tick the box to confirm."))],
    )
