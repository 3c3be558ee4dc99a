"""Forms of the integration pages (Flask-WTF: validated on the server, CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.integrations.webhooks import EVENTS


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=100)])
    scope = SelectField(
        _l("Scope"),
        choices=[
            SelectChoice("read", _l("read: read only")),
            SelectChoice("write", _l("write: also vote and post statements")),
            SelectChoice("admin", _l("admin: also manage webhooks (facilitators, admins)")),
        ],
        default="write",
    )


class WebhookForm(FlaskForm):
    url = StringField(_l("URL"), validators=[InputRequired(), Length(max=2000)])
    events = SelectMultipleField(
        _l("Events"),
        choices=[SelectChoice(event, event) for event in EVENTS],
        validators=[InputRequired()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class EmbedSettingsForm(FlaskForm):
    frame_origins = TextAreaField(_l("Sites allowed to embed this issue (one origin a line)"))
    xid_only = BooleanField(_l("Only the external ids on the allow-list may vote and post (policy “xid”)"))


class AllowListForm(FlaskForm):
    file = FileField(_l("Allow-list (CSV, one external id a row)"), validators=[FileRequired()])
