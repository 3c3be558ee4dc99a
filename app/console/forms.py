"""Console forms (Flask-WTF): validated on the server, re-shown with their errors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, Regexp

from app.models import DecisionOutcome, ModerationMode, Stage
from app.security.forms import GuardedForm

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class StageForm(FlaskForm):
    class Meta:
        csrf = False  # a sub-form; the outer form carries the token

    key = HiddenField(validators=[AnyOf([stage.value for stage in Stage], message=_l("There is no such stage."))])
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    description = TextAreaField(_l("Description (Markdown)"), validators=[Length(max=20000)])
    voting_open = BooleanField(_l("Statement voting open"))


class IssueForm(GuardedForm):
    title = StringField(_l("Title"), validators=[InputRequired(_l("Give the issue a title.")), Length(max=300)])
    slug = StringField(
        _l("Address (slug)"),
        validators=[
            InputRequired(_l("Give the issue an address.")),
            Length(max=120),
            Regexp(SLUG_PATTERN, message=_l("Use lowercase letters, digits and single hyphens.")),
        ],
    )
    description = TextAreaField(_l("Description (Markdown)"), validators=[Length(max=50000)])
    steward_agency = StringField(_l("Steward agency"), validators=[Length(max=200)])
    statement_max_length = IntegerField(
        _l("Longest statement (characters)"),
        default=280,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(20, 2000, _l("Choose between 20 and 2000."))],
    )
    inform_response_days = IntegerField(
        _l("Days the ministry has to respond once inform opens"),
        default=7,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(1, 365, _l("Choose between 1 and 365."))],
    )
    final_response_days = IntegerField(
        _l("Days the ministry has for the final response once response opens"),
        default=60,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(1, 365, _l("Choose between 1 and 365."))],
    )
    moderation_mode = SelectField(
        _l("Moderation"),
        choices=[
            SelectChoice(ModerationMode.LAZY.value, _l("Lazy: new statements are shown until rejected")),
            SelectChoice(ModerationMode.STRICT.value, _l("Strict: new statements are hidden until accepted")),
        ],
        default=ModerationMode.LAZY.value,
    )
    stages = FieldList(FormField(StageForm))


class SeedForm(GuardedForm):
    text = TextAreaField(_l("Seed statement"), validators=[InputRequired(_l("Write a statement before posting it."))])


class ResearchForm(GuardedForm):
    title = StringField(_l("Title"), validators=[InputRequired(_l("Give the document a title.")), Length(max=300)])
    body = TextAreaField(
        _l("Text (Markdown)"), validators=[InputRequired(_l("Write the document.")), Length(max=200000)]
    )
    summary = StringField(_l("What changed"), validators=[Length(max=500)])


class TopicForm(GuardedForm):
    title = StringField(_l("Title"), validators=[InputRequired(_l("Give the topic a title.")), Length(max=300)])
    body = TextAreaField(_l("Introduction (Markdown)"), validators=[Length(max=20000)])


class OridForm(GuardedForm):
    title = StringField(_l("Meeting"), validators=[InputRequired(_l("Name the meeting.")), Length(max=300)])
    held_at = DateTimeLocalField(
        _l("Held at"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_l("When was the meeting held?"))]
    )
    objective = TextAreaField(_l("Objective: what facts and data did we see?"))
    objective_statements = SelectMultipleField(_l("Statements discussed"), coerce=int)
    objective_groups = SelectMultipleField(_l("Opinion groups discussed"), coerce=int)
    reflective = TextAreaField(_l("Reflective: how did people feel about them?"))
    reflective_statements = SelectMultipleField(_l("Statements discussed"), coerce=int)
    reflective_groups = SelectMultipleField(_l("Opinion groups discussed"), coerce=int)
    interpretive = TextAreaField(_l("Interpretive: what do they mean for the issue?"))
    interpretive_statements = SelectMultipleField(_l("Statements discussed"), coerce=int)
    interpretive_groups = SelectMultipleField(_l("Opinion groups discussed"), coerce=int)
    decisional = TextAreaField(_l("Decisional: what did the meeting decide?"))
    decisional_statements = SelectMultipleField(_l("Statements discussed"), coerce=int)
    decisional_groups = SelectMultipleField(_l("Opinion groups discussed"), coerce=int)


class DecisionForm(GuardedForm):
    title = StringField(_l("Proposal"), validators=[InputRequired(_l("Name the proposal.")), Length(max=300)])
    outcome = SelectField(
        _l("Outcome"),
        choices=[
            SelectChoice(DecisionOutcome.ADOPTED.value, _l("Adopted")),
            SelectChoice(DecisionOutcome.PARTLY_ADOPTED.value, _l("Partly adopted")),
            SelectChoice(DecisionOutcome.NOT_ADOPTED.value, _l("Not adopted")),
        ],
    )
    reasons = TextAreaField(_l("Reasons (Markdown)"), validators=[InputRequired(_l("Give the reasons."))])
    statements = SelectMultipleField(_l("Statements it answers"), coerce=int)
