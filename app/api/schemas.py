"""The request and response shapes of API v1, declared once: requests are validated with them
(``app.api.spec.endpoint``) and the OpenAPI document is generated from them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from app.models import ModerationMode, ModerationStatus, Stage

#: Ids are PostgreSQL ``integer`` columns.
MAX_ID = 2**31 - 1
ID = {"validate": validate.Range(min=1, max=MAX_ID)}
WEBHOOK_EVENTS = (
    "statement.created",
    "statement.moderated",
    "stage.changed",
    "response.published",
    "response.overdue",
    "report.frozen",
    "opinion_map.updated",
)


class IdField(fields.Integer):
    """An id: a JSON integer or a string of digits; never a float or a boolean."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def enum_field(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf([str(v) for v in values]), **kwargs)


class RequestSchema(Schema):
    """Request bodies ignore unknown keys; a field's ``error_code`` metadata names its 400."""

    class Meta:
        unknown = EXCLUDE


# --- errors -------------------------------------------------------------------------------------


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "Stable machine-readable code."})
    message = fields.String(required=True, metadata={"description": "Translated (zh-TW or en, per Accept-Language)."})


class Error(Schema):
    error = fields.Nested(ErrorDetail, required=True)


# --- issues and statements ---------------------------------------------------------------------


class Counts(Schema):
    participants = fields.Integer(required=True)
    statements = fields.Integer(required=True)
    votes = fields.Integer(required=True)


class StageInfo(Schema):
    key = enum_field(Stage, required=True)
    starts_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    ends_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    voting_open = fields.Boolean(required=True)
    current = fields.Boolean(required=True)


class IssueSummary(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    stage = enum_field(Stage, required=True)
    stage_label = fields.String(required=True)
    counts = fields.Nested(Counts, required=True)


class IssueDetail(IssueSummary):
    description = fields.String(required=True, metadata={"description": "Markdown."})
    description_html = fields.String(required=True)
    steward_agency = fields.String(required=True)
    statement_max_length = fields.Integer(required=True)
    moderation_mode = enum_field(ModerationMode, required=True)
    attribution = fields.String(required=True, allow_none=True)
    stages = fields.List(fields.Nested(StageInfo), required=True)


class StatementOut(Schema):
    id = fields.Integer(required=True)
    issue_id = fields.Integer(required=True)
    text = fields.String(required=True, metadata={"description": "As typed: escape it when showing it."})
    moderation_status = enum_field(ModerationStatus, required=True)
    is_seed = fields.Boolean(required=True)
    is_meta = fields.Boolean(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class StatementCreated(StatementOut):
    visible = fields.Boolean(required=True, metadata={"description": "Whether citizens see it yet."})


class StatementIn(RequestSchema):
    text = fields.String(
        required=True,
        metadata={"error_code": "statement_invalid", "error_message": _l("The statement must be text.")},
    )


class VoteIn(RequestSchema):
    statement_id = IdField(
        required=True,
        **ID,
        metadata={"error_code": "statement_invalid", "error_message": _l("Say which statement the vote is for.")},
    )
    vote = fields.String(
        required=True,
        validate=validate.OneOf(["agree", "disagree", "pass"]),
        metadata={"error_code": "vote_invalid", "error_message": _l('The vote must be "agree", "disagree" or "pass".')},
    )


class VoteOut(Schema):
    statement_id = fields.Integer(required=True)
    vote = enum_field(["agree", "disagree", "pass"], required=True)
    value = fields.Integer(required=True, validate=validate.OneOf([-1, 0, 1]))
    updated_at = fields.String(required=True, metadata={"format": "date-time"})


class VoteResult(Schema):
    vote = fields.Nested(VoteOut, required=True)
    vote_event_id = fields.Integer(required=True)
    outcome = enum_field(["created", "changed", "unchanged"], required=True)


class SessionOut(Schema):
    participant_id = fields.Integer(required=True)
    csrf_token = fields.String(required=True, metadata={"description": "Send it as X-CSRFToken with cookie writes."})


class OpinionMap(Schema):
    """The live map's payload (the same as the ``opinion_map`` socket event)."""

    class Meta:
        unknown = EXCLUDE

    issue_id = fields.Integer(required=True)
    tick = fields.Integer(required=True)
    computed_at = fields.String(required=True, allow_none=True)
    k = fields.Integer(required=True)
    participants = fields.Dict(required=True)
    groups = fields.List(fields.Dict(), required=True)
    positions = fields.Dict(required=True)
    you = fields.Dict(required=True, allow_none=True)


class ResponsesQuery(RequestSchema):
    status = fields.String(
        validate=validate.OneOf(["", "open", "overdue", "answered"]),
        metadata={"error_code": "bad_status", "error_message": _l("Use open, overdue or answered.")},
    )


class ResponseOut(Schema):
    id = fields.Integer(required=True)
    issue_id = fields.Integer(required=True)
    issue_slug = fields.String(required=True)
    kind = enum_field(["inform", "final"], required=True)
    due_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    original_due_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    answered_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    status = enum_field(["open", "overdue", "answered"], required=True)


# --- webhooks -----------------------------------------------------------------------------------


class WebhookIn(RequestSchema):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"error_code": "webhook_url_invalid", "error_message": _l("Give the webhook an http(s) URL.")},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(WEBHOOK_EVENTS)),
        required=True,
        validate=validate.Length(min=1, max=len(WEBHOOK_EVENTS)),
        metadata={"error_code": "webhook_events_invalid", "error_message": _l("Choose one or more known events.")},
    )


class WebhookOut(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(enum_field(WEBHOOK_EVENTS), required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class WebhookCreated(WebhookOut):
    secret = fields.String(required=True, metadata={"description": "Shown once: the HMAC-SHA256 key."})


class DeliveryOut(Schema):
    id = fields.String(required=True, metadata={"description": "The X-Agora-Delivery header."})
    event = enum_field(WEBHOOK_EVENTS, required=True)
    issue_id = fields.Integer(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    attempts = fields.Integer(required=True)
    delivered_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    last_status = fields.Integer(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
