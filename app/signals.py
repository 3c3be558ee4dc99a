"""In-process signals that decouple the write paths from what reacts to them.

Senders emit *after* their transaction commits, so a receiver never sees uncommitted data.
Receivers (the live opinion map, notifications, the activity log) connect in their own
``init_app``. Signals carry ids, not ORM objects, because receivers may run in other threads.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender=app; kwargs: issue_id, statement_id, participant_id, value, vote_event_id, changed (bool)
vote_cast = _signals.signal("vote-cast")

#: sender=app; kwargs: issue_id, statement_id, visible (bool: shown to citizens now)
statement_added = _signals.signal("statement-added")

#: sender=app; kwargs: issue_id, statement_id, status (ModerationStatus value), is_meta (bool)
statement_moderated = _signals.signal("statement-moderated")

#: sender=app; kwargs: issue_id, stage (Stage value), previous (Stage value | None), changed_at (aware UTC datetime)
stage_changed = _signals.signal("stage-changed")

#: sender=app; kwargs: issue_id, response_id, kind ("inform" | "final")
response_published = _signals.signal("response-published")

#: sender=app; kwargs: issue_id, tick. Sent by whichever process recomputed the map, after storing it.
opinion_map_updated = _signals.signal("opinion-map-updated")

#: sender=app; kwargs: issue_id, report_id, reason ("stage_closed" | "on_demand"), stage (Stage value | None)
report_frozen = _signals.signal("report-frozen")
