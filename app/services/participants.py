"""The current participant: anonymous, kept in the signed session cookie."""

from __future__ import annotations

from flask import session
from flask_login import current_user

from app.extensions import db
from app.models import Participant

SESSION_KEY = "participant_id"


def current_participant_id() -> int | None:
    """The participant id in the signed session cookie, if any (creates nothing)."""
    value = session.get(SESSION_KEY)
    return int(value) if value is not None else None


def get_or_create_participant() -> Participant:
    """Return the session's participant, creating (and committing) an anonymous one if needed.

    A registered user who is logged in gets their own participant, so their votes follow
    them across devices.
    """
    if current_user.is_authenticated:
        participant = db.session.scalar(db.select(Participant).filter_by(user_id=current_user.id))
        if participant is None:
            participant = _session_participant()
            if participant is None or participant.user_id not in (None, current_user.id):
                participant = Participant()
                db.session.add(participant)
            participant.user_id = current_user.id
            db.session.commit()
        session[SESSION_KEY] = participant.id
        return participant

    participant = _session_participant()
    if participant is None:
        participant = Participant()
        db.session.add(participant)
        db.session.commit()
        session[SESSION_KEY] = participant.id
        session.permanent = True
    return participant


def _session_participant() -> Participant | None:
    participant_id = current_participant_id()
    return db.session.get(Participant, participant_id) if participant_id is not None else None
