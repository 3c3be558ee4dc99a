"""The database models; import them from here."""

from app.models.issue import STAGE_ORDER, Issue, ModerationMode, Stage
from app.models.opinion_snapshot import OpinionSnapshot
from app.models.participant import Participant
from app.models.statement import ModerationStatus, Statement
from app.models.types import UTCDateTime, utcnow
from app.models.user import Role, User
from app.models.vote import Vote, VoteEvent, VoteValue

__all__ = [
    "STAGE_ORDER",
    "Issue",
    "ModerationMode",
    "ModerationStatus",
    "OpinionSnapshot",
    "Participant",
    "Role",
    "Stage",
    "Statement",
    "User",
    "UTCDateTime",
    "Vote",
    "VoteEvent",
    "VoteValue",
    "utcnow",
]
