"""The response shapes of the report and open-data endpoints, for the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields


class Counts(Schema):
    agree = fields.Integer(required=True)
    disagree = fields.Integer(required=True)
    # "pass" is a Python keyword: the attribute is renamed, the JSON key stays "pass".
    pass_ = fields.Integer(required=True, data_key="pass")
    seen = fields.Integer(required=True)
    agree_share = fields.Float(required=True)
    disagree_share = fields.Float(required=True)
    pass_share = fields.Float(required=True)


class GroupCounts(Counts):
    id = fields.Integer(required=True)


class ReportStatement(Counts):
    id = fields.Integer(required=True)
    text = fields.String(required=True)
    groups = fields.List(fields.Nested(GroupCounts), required=True)
    group_informed_consensus = fields.Float(required=True, allow_none=True)
    divisiveness = fields.Float(required=True)


class Representative(Schema):
    statement_id = fields.Integer(required=True)
    text = fields.String(required=True)
    repful_for = fields.String(required=True, metadata={"enum": ["agree", "disagree"]})
    p_success = fields.Float(required=True)
    p_test = fields.Float(required=True)
    repness = fields.Float(required=True)
    repness_test = fields.Float(required=True)
    n_agree = fields.Integer(required=True)
    n_disagree = fields.Integer(required=True)
    n_seen = fields.Integer(required=True)


class ReportGroup(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True, metadata={"description": "The facilitators' name, or 'Group A'..."})
    description = fields.String(required=True)
    size = fields.Integer(required=True)
    named = fields.Boolean(required=True)
    representative = fields.List(fields.Nested(Representative), required=True)


class FrozenInfo(Schema):
    id = fields.Integer(required=True)
    reason = fields.String(required=True, metadata={"enum": ["stage_closed", "on_demand"]})
    stage = fields.String(required=True, allow_none=True)
    frozen_at = fields.String(required=True)


class Report(Schema):
    """The public report: every accepted statement by opinion group, from one opinion snapshot."""

    issue_id = fields.Integer(required=True)
    issue_slug = fields.String(required=True)
    issue_title = fields.String(required=True)
    computed_at = fields.String(required=True, allow_none=True)
    tick = fields.Integer(required=True)
    watermark = fields.Integer(required=True)
    participants = fields.Dict(required=True)
    groups = fields.List(fields.Nested(ReportGroup), required=True)
    statements = fields.List(fields.Nested(ReportStatement), required=True)
    consensus = fields.Dict(
        required=True, metadata={"description": '{"majority": {"agree", "disagree"}, "group_informed"}'}
    )
    divisive = fields.List(fields.Dict(), required=True)
    most_passed = fields.List(fields.Dict(), required=True)
    participation = fields.List(
        fields.Dict(), required=True, metadata={"description": "per day: date, votes, new_participants, statements"}
    )
    map = fields.Dict(required=True)


class FrozenReport(Report):
    frozen = fields.Nested(FrozenInfo, required=True)
