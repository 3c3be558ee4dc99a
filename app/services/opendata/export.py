"""Write an issue in pol.is's openData layout, streamed a chunk at a time.

The files and their formats follow the compdemocracy/openData corpus (pol.is's "darwin" export):
UTF-8, ``\\n`` line ends, a header row (not in summary.csv), text quoted only when it holds a
comma, a quote or a line break; ``timestamp`` in epoch milliseconds and ``datetime`` the same
instant as Java's ``Date.toString()`` in the display time zone (``Tue Jun 30 15:49:52 WIB 2015``);
votes agree = 1, disagree = -1, pass = 0; moderation accepted = 1, unmoderated = 0, rejected = -1.

* ``comments.csv``: one row per statement in comment-id order; agrees/disagrees count vote events.
* ``votes.csv``: every vote event, ordered by comment, voter and time (as pol.is does).
* ``participants-votes.csv``: the current vote matrix, one column per statement with votes,
  participants in the order they first appear in votes.csv; group ids from the current map.
* ``summary.csv``: key,value rows.
* ``comment-groups.csv``: per statement and opinion group, as pol.is's report export writes it.

Every writer yields text chunks and reads the database a chunk at a time, so the whole export is
never in memory. The two big files (votes.csv, participants-votes.csv) read chunks of integer rows
through covering indexes and let numpy sort and format them (``arrays.py``): a 2M-vote issue
exports in a few seconds (``bench/export.py``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
from flask import current_app
from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Issue, ModerationStatus, Statement, Vote, VoteEvent
from app.services.integrations.xids import xids_by_participant
from app.services.opendata.arrays import JavaDates, format_rows, int_rows, lookup, ranges, texts_of
from app.services.opendata.export_ids import ExportIds, export_ids
from app.services.report.state import latest_report_state

#: Rows gathered before a chunk is handed on (comments.csv, comment-groups.csv).
CHUNK_ROWS = 5_000
#: Votes read, sorted and formatted at a time (votes.csv, participants-votes.csv): a few MB of arrays.
CHUNK_VOTES = 100_000
#: At most this many participants' rows of participants-votes.csv at a time, and at most this many
#: cells (participants x statements: the matrix is dense, whatever the votes).
CHUNK_PEOPLE = 2_000
CHUNK_CELLS = 1_000_000

_MODERATION = {ModerationStatus.ACCEPTED: 1, ModerationStatus.UNMODERATED: 0, ModerationStatus.REJECTED: -1}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: A participants-votes.csv cell by code: no vote, disagree, pass, agree.
_CELLS = np.array([",", ",-1", ",0", ",1"], dtype=object)


class Export:
    """One issue's export: the ids and the time zone its files use."""

    def __init__(self, issue: Issue, zone: tzinfo | None = None) -> None:
        self.issue = issue
        self.zone = zone or ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
        self.ids: ExportIds = export_ids(issue)
        self.dates = JavaDates(self.zone)
        self._counts: list[tuple[int, int, int, int]] | None = None

    # --- comments.csv ---------------------------------------------------------------------
    def comments(self) -> Iterator[str]:
        yield "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        counts = {sid: (agree, disagree) for sid, _n, agree, disagree in self._event_counts()}
        rows = db.session.execute(
            select(Statement.id, Statement.created_at, Statement.author_id, Statement.moderation_status, Statement.text)
            .where(Statement.issue_id == self.issue.id)
            .order_by(Statement.id)
        ).tuples()
        pids = self.ids.participant_id
        yield from _chunks(
            f"{epoch_ms(at)},{self.java_date(at)},{self.ids.comment_id[sid]},"
            f"{pids[author] if author is not None else ''},{counts.get(sid, (0, 0))[0]},{counts.get(sid, (0, 0))[1]},"
            f"{_MODERATION[status]},{quote(text)}\n"
            for sid, at, author, status, text in rows
        )

    def _event_counts(self) -> list[tuple[int, int, int, int]]:
        """(statement, vote events, agrees, disagrees) in statement order, read once per export
        (grouped in the order of the export index: no sort)."""
        if self._counts is None:
            self._counts = list(
                db.session.execute(
                    select(
                        VoteEvent.statement_id,
                        func.count(),
                        func.sum(case((VoteEvent.value == 1, 1), else_=0)),
                        func.sum(case((VoteEvent.value == -1, 1), else_=0)),
                    )
                    .where(VoteEvent.issue_id == self.issue.id)
                    .group_by(VoteEvent.statement_id)
                    .order_by(VoteEvent.statement_id)
                ).tuples()
            )
        return self._counts

    # --- votes.csv ------------------------------------------------------------------------
    def votes(self) -> Iterator[str]:
        """Every vote event by comment, voter and time: a range of statements at a time (a range scan
        of ``ix_vote_event_export_order``, no sort in the database), each chunk sorted by numpy."""
        yield "timestamp,datetime,comment-id,voter-id,vote\n"
        tids, pids = lookup(self.ids.comment_id), lookup(self.ids.participant_id)
        for first, last in ranges([(sid, n) for sid, n, _a, _d in self._event_counts()], CHUNK_VOTES):
            rows, stamps = int_rows(
                select(VoteEvent.statement_id, VoteEvent.participant_id, VoteEvent.id, VoteEvent.value).where(
                    VoteEvent.issue_id == self.issue.id, VoteEvent.statement_id.between(first, last)
                ),
                stamp=VoteEvent.__table__.c.created_at,
            )
            order = np.lexsort((rows[:, 2], stamps, rows[:, 1], rows[:, 0]))
            rows, ms = rows[order], stamps[order] // 1000
            yield format_rows(
                "%d,%s %s %s %s,%s,%s,%d\n",
                [ms, *self.dates.parts(ms), texts_of(tids, rows[:, 0]), texts_of(pids, rows[:, 1]), rows[:, 3]],
            )

    # --- participants-votes.csv -----------------------------------------------------------
    def participants_votes(self) -> Iterator[str]:
        """The current vote matrix, participants in the order they first appear in votes.csv (by
        their first statement, then id): their votes are read a chunk of participants at a time."""
        issue_id = self.issue.id
        voted = list(
            db.session.scalars(
                select(Vote.statement_id).where(Vote.issue_id == issue_id).distinct().order_by(Vote.statement_id)
            )
        )
        tids = self.ids.comment_id
        # pol.is adds an xid column when the conversation has external ids (embeds with data-xid).
        self._xids = xids_by_participant(issue_id)
        head = ["participant", *(["xid"] if self._xids else []), "group-id", "n-comments", "n-votes", "n-agree"]
        yield ",".join([*head, "n-disagree"])
        yield "".join(f",{tids[sid]}" for sid in voted) + "\n"
        authored = dict(
            db.session.execute(
                select(Statement.author_id, func.count())
                .where(Statement.issue_id == issue_id, Statement.author_id.is_not(None))
                .group_by(Statement.author_id)
            )
            .tuples()
            .all()
        )
        group_of = {pid: group for pid, (_x, _y, group) in _current_positions(issue_id).items()}
        # participant, first statement, votes, agrees, disagrees
        people, _ = int_rows(
            select(
                Vote.participant_id,
                func.min(Vote.statement_id),
                func.count(),
                func.sum(case((Vote.value == 1, 1), else_=0)),
                func.sum(case((Vote.value == -1, 1), else_=0)),
            )
            .where(Vote.issue_id == issue_id)
            .group_by(Vote.participant_id)
        )
        people = people[np.lexsort((people[:, 0], people[:, 1]))]
        statements = np.array(voted, dtype=np.int64)
        ends = np.cumsum(people[:, 2])
        most = min(CHUNK_PEOPLE, max(1, CHUNK_CELLS // (len(statements) + 2)))
        start = 0
        while start < len(people):
            stop = max(int(np.searchsorted(ends, ends[start] - people[start, 2] + CHUNK_VOTES, "right")), start + 1)
            stop = min(stop, start + most)
            yield self._matrix_rows(people[start:stop], statements, group_of, authored)
            start = stop

    def _matrix_rows(self, people: np.ndarray, statements: np.ndarray, group_of, authored) -> str:
        pids = people[:, 0]
        rows, _ = int_rows(
            select(Vote.participant_id, Vote.statement_id, Vote.value).where(
                Vote.issue_id == self.issue.id, Vote.participant_id.in_(pids.tolist())
            )
        )
        by_pid = np.argsort(pids)
        row_of = by_pid[np.searchsorted(pids, rows[:, 0], sorter=by_pid)]
        matrix = np.zeros((len(pids), len(statements) + 2), dtype=np.int8)  # 0: no vote, else value + 2
        matrix[row_of, np.searchsorted(statements, rows[:, 1]) + 1] = rows[:, 2] + 2
        cells = _CELLS[matrix]
        cells[:, -1] = "\n"
        cells[:, 0] = [
            self._matrix_head(pid, group_of, authored, n, agree, disagree)
            for pid, _first, n, agree, disagree in people.tolist()
        ]
        return "".join(cells.ravel().tolist())

    def _matrix_head(self, pid, group_of, authored, n, agree, disagree) -> str:
        group = group_of.get(pid)
        group_cell = "" if group is None else group
        xid = f",{quote(self._xids.get(pid, ''))}" if self._xids else ""
        return f"{self.ids.participant_id[pid]}{xid},{group_cell},{authored.get(pid, 0)},{n},{agree},{disagree}"

    # --- summary.csv ----------------------------------------------------------------------
    def summary(self, url: str) -> Iterator[str]:
        issue_id = self.issue.id
        voters = db.session.scalar(
            select(func.count(func.distinct(VoteEvent.participant_id))).where(VoteEvent.issue_id == issue_id)
        )
        commenters = db.session.scalar(
            select(func.count(func.distinct(Statement.author_id))).where(Statement.issue_id == issue_id)
        )
        comments = len(self._event_counts())
        groups = len({group for _x, _y, group in _current_positions(issue_id).values() if group is not None})
        rows = [
            ("topic", self.issue.title),
            ("url", url),
            ("views", len(self.ids.participant_id)),
            ("voters", voters or 0),
            ("voters-in-conv", voters or 0),  # pol.is's darwin export: every voter is in the matrix
            ("commenters", commenters or 0),
            ("comments", comments or 0),
            ("groups", groups),
            ("conversation-description", self.issue.description or ""),
        ]
        yield "".join(f"{key},{quote(str(value))}\n" for key, value in rows)

    # --- comment-groups.csv ---------------------------------------------------------------
    def comment_groups(self) -> Iterator[str]:
        state = latest_report_state(self.issue.id)
        group_votes = state.group_votes if state is not None else {}
        group_ids = sorted(group_votes)
        header = ["comment-id", "comment", "total-votes", "total-agrees", "total-disagrees", "total-passes"]
        for gid in group_ids:
            letter = _group_letter(gid)
            header += [f"group-{letter}-{what}" for what in ("votes", "agrees", "disagrees", "passes")]
        yield ",".join(header) + "\n"
        statement_ids = sorted({sid for votes in group_votes.values() for sid in votes})
        texts = dict(
            db.session.execute(select(Statement.id, Statement.text).where(Statement.issue_id == self.issue.id))
            .tuples()
            .all()
        )
        out = []
        for sid in statement_ids:
            if sid not in texts:
                continue
            per_group = [group_votes[gid].get(sid, (0, 0, 0)) for gid in group_ids]
            cells = []
            for agree, disagree, passed in per_group:
                cells += [agree + disagree + passed, agree, disagree, passed]
            totals = [sum(cells[i::4]) for i in range(4)]
            quoted = '"' + texts[sid].replace('"', '""') + '"'  # pol.is quotes every comment text
            out.append(",".join(map(str, [self.ids.comment_id[sid], quoted, *totals, *cells])) + "\n")
        yield from _chunks(iter(out))

    # --- formatting -----------------------------------------------------------------------
    def java_date(self, moment: datetime) -> str:
        """``moment`` as Java's ``Date.toString()`` prints it in this export's time zone."""
        local = moment.astimezone(self.zone)
        return (
            f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d} {local.tzname()} {local.year}"
        )


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch, from the exact microseconds (no float rounding)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def quote(text: str) -> str:
    """A CSV field, quoted only when it must be (as clojure.data.csv does)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _group_letter(group_id: int) -> str:
    """pol.is names group columns a, b, c... by group id."""
    return chr(ord("a") + group_id) if 0 <= group_id < 26 else str(group_id)


def _chunks(lines: Iterable[str]) -> Iterator[str]:
    buffer = io.StringIO()
    count = 0
    for line in lines:
        buffer.write(line)
        count += 1
        if count >= CHUNK_ROWS:
            yield buffer.getvalue()
            buffer = io.StringIO()
            count = 0
    if count:
        yield buffer.getvalue()


def _current_positions(issue_id: int) -> dict[int, tuple[float, float, int | None]]:
    from app.services.opinion.latest_map import latest_map

    return latest_map(issue_id).positions


#: File name -> how to write it (``url`` is only used by summary.csv).
FILES: dict[str, Callable[[Export, str], Iterator[str]]] = {
    "comments.csv": lambda export, url: export.comments(),
    "votes.csv": lambda export, url: export.votes(),
    "participants-votes.csv": lambda export, url: export.participants_votes(),
    "summary.csv": lambda export, url: export.summary(url),
    "comment-groups.csv": lambda export, url: export.comment_groups(),
}
