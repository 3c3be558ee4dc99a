"""Registration and login forms (Flask-WTF: CSRF-protected, validated on the server)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import Email, EqualTo, InputRequired, Length

MIN_PASSWORD_LENGTH = 10


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class RegistrationForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=1024, message=_l("Use at least 10 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", _l("The two passwords differ."))],
    )
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=1024, message=_l("Use at least 10 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", _l("The two passwords differ."))],
    )


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand: my account and personal data are deleted; my votes and statements stay, anonymously."),
        validators=[InputRequired(_l("Tick the box to confirm."))],
    )
