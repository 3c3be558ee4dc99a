"""Embeds and external ids (XID): per-issue framing origins, the ``xid`` participation policy and
its allow-list, and the one participant each XID has on each issue."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.exceptions import AgoraError
from app.extensions import db
from app.models import EmbedSettings, Issue, Participant, XidAllowed, XidParticipant

#: The participation policy value this module adds to issue 11's ``open|registered|verified|invite``.
XID_POLICY = "xid"
MAX_XID_LENGTH = 200
MAX_ALLOW_LIST = 100_000
MAX_ORIGINS = 20


def settings_of(issue_id: int) -> EmbedSettings:
    """The issue's embed settings (a transient default when none were saved)."""
    return db.session.get(EmbedSettings, issue_id) or EmbedSettings(issue_id=issue_id, frame_origins=[], xid_only=False)


def policy_is_xid(issue_id: int) -> bool:
    """True when only allow-listed XIDs may take part: issue 11's ``Issue.participation`` says ``xid``, or the
    issue's embed settings do."""
    found = db.session.execute(
        select(Issue.participation, EmbedSettings.xid_only)
        .outerjoin(EmbedSettings, EmbedSettings.issue_id == Issue.id)
        .where(Issue.id == issue_id)
    ).first()
    return found is not None and is_xid_policy(found.participation, found.xid_only)


def parse_origins(text: str) -> list[str]:
    """One origin a line (``https://host[:port]``), normalised; a 400 naming the first bad one."""
    origins: list[str] = []
    for line in (text or "").replace(",", "\n").splitlines():
        value = line.strip().rstrip("/")
        if not value:
            continue
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
            or any(c in value for c in " ;'\"*")
        ):
            raise AgoraError(
                "origin_invalid",
                _("“%(origin)s” is not an origin such as https://www.example.gov.tw.", origin=value[:80]),
                400,
            )
        origin = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise AgoraError("origin_invalid", _("At most %(num)d origins may frame an issue.", num=MAX_ORIGINS), 400)
    return origins


def save_settings(issue: Issue, origins_text: str, xid_only: bool) -> EmbedSettings:
    """Store the framing origins and the XID-only flag (not committed)."""
    origins = parse_origins(origins_text)
    settings = db.session.get(EmbedSettings, issue.id)
    if settings is None:
        settings = EmbedSettings(issue_id=issue.id)
        db.session.add(settings)
    settings.frame_origins = origins
    settings.xid_only = xid_only
    return settings


def clean_xid(raw: object) -> str:
    value = raw.strip() if isinstance(raw, str) else ""
    if not value or len(value) > MAX_XID_LENGTH or any(ord(c) < 32 for c in value):
        raise AgoraError("xid_invalid", _("An external id must be 1 to 200 printable characters."), 400)
    return value


def replace_allow_list(issue: Issue, data: bytes) -> int:
    """Replace the issue's XID allow-list with the first column of a CSV file (not committed).

    A first row reading ``xid`` is a header. Blank rows are skipped; repeats count once.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AgoraError("csv_invalid", _("The allow-list must be a UTF-8 CSV file."), 400) from None
    xids: dict[str, None] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text))):
        if not row or not row[0].strip():
            continue
        if number == 0 and row[0].strip().lower() == "xid":
            continue
        try:
            xids[clean_xid(row[0])] = None
        except AgoraError:
            raise AgoraError(
                "csv_invalid", _("Row %(row)d does not hold a valid external id.", row=number + 1), 400
            ) from None
        if len(xids) > MAX_ALLOW_LIST:
            raise AgoraError("csv_invalid", _("The allow-list can hold at most 100,000 ids."), 400)
    db.session.execute(delete(XidAllowed).where(XidAllowed.issue_id == issue.id))
    if xids:
        db.session.execute(db.insert(XidAllowed), [{"issue_id": issue.id, "xid": xid} for xid in xids])
    return len(xids)


def allow_list_size(issue_id: int) -> int:
    return db.session.scalar(select(db.func.count()).select_from(XidAllowed).where(XidAllowed.issue_id == issue_id))


def is_allowed(issue_id: int, xid: str) -> bool:
    return (
        db.session.scalar(select(XidAllowed.id).where(XidAllowed.issue_id == issue_id, XidAllowed.xid == xid))
        is not None
    )


def participant_for_xid(issue: Issue, raw_xid: object) -> Participant:
    """The XID's participant on this issue, created (and committed) on first use."""
    xid = clean_xid(raw_xid)
    if policy_is_xid(issue.id) and not is_allowed(issue.id, xid):
        raise AgoraError("xid_not_allowed", _("This id is not on the list of participants of this issue."), 403)
    mapping = db.session.scalar(
        select(XidParticipant).where(XidParticipant.issue_id == issue.id, XidParticipant.xid == xid)
    )
    if mapping is not None:
        return db.session.get(Participant, mapping.participant_id)
    participant = Participant()
    db.session.add(participant)
    db.session.flush()
    db.session.add(XidParticipant(issue_id=issue.id, xid=xid, participant_id=participant.id))
    db.session.commit()
    return participant


def is_xid_policy(participation: object, embed_xid_only: bool | None) -> bool:
    """``policy_is_xid`` from values a caller already read (the issue's participation rule and its
    embed settings' ``xid_only``), without querying again."""
    return str(getattr(participation, "value", participation)) == XID_POLICY or bool(embed_xid_only)


def check_participation(issue_id: int, participant_id: int | None, *, xid_policy: bool | None = None) -> None:
    """Under the ``xid`` policy only a participant with an allow-listed XID on this issue may write.

    ``xid_policy`` is the policy when the caller already knows it (``is_xid_policy``); else it is read.
    """
    if not (policy_is_xid(issue_id) if xid_policy is None else xid_policy):
        return
    allowed = (
        participant_id is not None
        and db.session.scalar(
            select(XidParticipant.id)
            .join(XidAllowed, (XidAllowed.issue_id == XidParticipant.issue_id) & (XidAllowed.xid == XidParticipant.xid))
            .where(XidParticipant.issue_id == issue_id, XidParticipant.participant_id == participant_id)
        )
        is not None
    )
    if not allowed:
        raise AgoraError(
            "xid_required", _("This issue is open only to the participants its agency lists, through its site."), 403
        )


def xids_by_participant(issue_id: int) -> dict[int, str]:
    """participant id → XID on this issue: the ``xid`` column of the exports."""
    rows = db.session.execute(
        select(XidParticipant.participant_id, XidParticipant.xid).where(XidParticipant.issue_id == issue_id)
    )
    return {participant_id: xid for participant_id, xid in rows}
