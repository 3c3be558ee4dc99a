"""The database models; import them from here."""

from app.models.issue import STAGE_ORDER, Issue, ModerationMode, Stage
from app.models.opinion_snapshot import OpinionSnapshot
from app.models.participant import Participant
from app.models.statement import ModerationAction, ModerationStatus, Statement
from app.models.types import UTCDateTime, utcnow
from app.models.user import Role, User
from app.models.vote import Vote, VoteEvent, VoteValue

__all__ = [
    "STAGE_ORDER",
    "Issue",
    "ModerationAction",
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

# The vTaiwan process: stages, activity log, research, discussion, ORID, decisions.
from app.models.activity import ActivityLog  # noqa: E402
from app.models.decision import DecisionOutcome, DecisionProposal  # noqa: E402
from app.models.discussion import DiscussionPost, DiscussionTopic  # noqa: E402
from app.models.issue_stage import VOTING_OPEN_BY_DEFAULT, IssueStage  # noqa: E402
from app.models.orid import OridLink, OridPart, OridRecord  # noqa: E402
from app.models.research import ResearchDocument, ResearchRevision  # noqa: E402

__all__ += [
    "VOTING_OPEN_BY_DEFAULT",
    "ActivityLog",
    "DecisionOutcome",
    "DecisionProposal",
    "DiscussionPost",
    "DiscussionTopic",
    "IssueStage",
    "OridLink",
    "OridPart",
    "OridRecord",
    "ResearchDocument",
    "ResearchRevision",
]

# Ministry responses with deadlines, following by email, the outbox.
from app.models.follower import IssueFollower, new_follower_token  # noqa: E402
from app.models.ministry_response import (  # noqa: E402
    MinistryResponse,
    PointSource,
    ResponseExtension,
    ResponseKind,
    ResponsePoint,
    Verdict,
)
from app.models.outbox import OutboxEmail  # noqa: E402

__all__ += [
    "IssueFollower",
    "new_follower_token",
    "MinistryResponse",
    "OutboxEmail",
    "PointSource",
    "ResponseExtension",
    "ResponseKind",
    "ResponsePoint",
    "Verdict",
]

# Participation: issue settings, invite codes, exclusions.
from app.models.issue import IssueStatus, Participation  # noqa: E402
from app.models.participation import InviteCode, ParticipantExclusion  # noqa: E402

__all__ += ["InviteCode", "IssueStatus", "ParticipantExclusion", "Participation"]

# Integrations: API tokens, webhooks and their deliveries, embeds and external ids.
from app.models.integration import (  # noqa: E402
    ApiToken,
    EmbedSettings,
    TokenScope,
    Webhook,
    WebhookDelivery,
    XidAllowed,
    XidParticipant,
)

__all__ += ["ApiToken", "EmbedSettings", "TokenScope", "Webhook", "WebhookDelivery", "XidAllowed", "XidParticipant"]

# Open data and the public report.
from app.models.report import DEFAULT_LICENSE, FrozenReport, GroupLabel, OpenDataSettings  # noqa: E402

__all__ += ["DEFAULT_LICENSE", "FrozenReport", "GroupLabel", "OpenDataSettings"]
