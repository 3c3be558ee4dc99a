"""The current participant: anonymous, kept in the signed session cookie.

A participant row is created by its first write (vote, statement, reply, invite), never by
reading: a cookie-less script that reads costs nothing and is counted nowhere.
"""

from __future__ import annotations

from flask import session
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Participant
from app.services.participation.newcomers import admit_new_participant, request_keys

SESSION_KEY = "participant_id"


def current_participant_id() -> int | None:
    """The participant id in the signed session cookie, if any (creates nothing)."""
    value = session.get(SESSION_KEY)
    return int(value) if value is not None else None


def caller_participant_id() -> int | None:
    """The logged-in user's participant (made on any device), else the session's; creates nothing."""
    if current_user.is_authenticated:
        found = db.session.scalar(db.select(Participant.id).filter_by(user_id=current_user.id))
        if found is not None:
            return found
    return current_participant_id()


def get_or_create_participant() -> Participant:
    """The participant a write is made as, created (flushed, not committed) if needed.

    The caller's write commits it, so a refused write stores no participant either. A new
    anonymous participant counts against its address's limit (a 429 past it). A registered user
    who is logged in gets their own participant, so their votes follow them across devices.
    """
    if current_user.is_authenticated:
        participant = db.session.scalar(db.select(Participant).filter_by(user_id=current_user.id))
        if participant is None:
            participant = _session_participant()
            if participant is None or participant.user_id not in (None, current_user.id):
                participant = _new_participant(limited=False)
            participant.user_id = current_user.id
            db.session.flush()
    else:
        participant = _session_participant()
        if participant is None or participant.user_id is not None:
            participant = _new_participant(limited=True)
    if session.get(SESSION_KEY) != participant.id:
        session[SESSION_KEY] = participant.id
        session.permanent = True
    return participant


def get_or_create_participant_id() -> int:
    """``get_or_create_participant().id``, for a write that needs only the id (a vote): an
    anonymous caller's stored participant is checked with one column instead of loaded whole."""
    participant_id = current_participant_id()
    if not current_user.is_authenticated and participant_id is not None:
        anonymous = select(Participant.id).where(Participant.id == participant_id, Participant.user_id.is_(None))
        if db.session.execute(anonymous).first() is not None:
            return participant_id
    return get_or_create_participant().id


def _new_participant(*, limited: bool) -> Participant:
    if limited:
        admit_new_participant()
    address_key, agent_key = request_keys()
    participant = Participant(address_key=address_key, agent_key=agent_key)
    db.session.add(participant)
    db.session.flush()  # the write that follows needs its id
    return participant


def _session_participant() -> Participant | None:
    participant_id = current_participant_id()
    return db.session.get(Participant, participant_id) if participant_id is not None else None
