"""A Flask-WTF base form that runs the shared text guard on every text field.

One-line fields (``StringField``: titles, names) refuse line breaks, which would otherwise reach
email headers and feed titles; every text field refuses lone surrogates and control characters.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, StringField, TextAreaField

from app.security.text import text_problem


def _text_fields(fields) -> list[Field]:
    found: list[Field] = []
    for field in fields:
        if isinstance(field, FormField):
            found.extend(_text_fields(field.form))
        elif isinstance(field, FieldList):
            found.extend(_text_fields(field.entries))
        elif isinstance(field, StringField) and isinstance(field.data, str):
            found.append(field)
    return found


class GuardedForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in _text_fields(self):
            single_line = not isinstance(field, TextAreaField) and field.type == "StringField"
            problem = text_problem(field.data, single_line=single_line)
            if problem == "line_break":
                field.errors = [*field.errors, _("This must be one line, without line breaks.")]
                valid = False
            elif problem is not None:
                field.errors = [*field.errors, _("The text contains a character that is not allowed.")]
                valid = False
        return valid
