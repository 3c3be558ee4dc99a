"""Write an issue in pol.is's openData layout, streamed row by row.

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

Every writer yields text chunks and reads the database with streamed queries, so the whole export
is never in memory.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import BigInteger, Integer, cast, func, select

from app.extensions import db
from app.models import Issue, ModerationStatus, Statement, Vote, VoteEvent
from app.services.integrations.xids import xids_by_participant
from app.services.opendata.export_ids import ExportIds, export_ids
from app.services.report.state import latest_report_state

#: Rows gathered before a chunk is handed on.
CHUNK_ROWS = 5_000
#: Rows fetched from the database at a time.
FETCH_ROWS = 20_000

_MODERATION = {ModerationStatus.ACCEPTED: 1, ModerationStatus.UNMODERATED: 0, ModerationStatus.REJECTED: -1}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Export:
    """One issue's export: the ids and the time zone its files use."""

    def __init__(self, issue: Issue, zone: tzinfo | None = None) -> None:
        self.issue = issue
        self.zone = zone or ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
        self.ids: ExportIds = export_ids(issue)
        self.dates = JavaDates(self.zone)

    # --- comments.csv ---------------------------------------------------------------------
    def comments(self) -> Iterator[str]:
        yield "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        counts = {(sid, value): n for sid, value, n in self._event_counts()}
        rows = db.session.execute(
            select(Statement.id, Statement.created_at, Statement.author_id, Statement.moderation_status, Statement.text)
            .where(Statement.issue_id == self.issue.id)
            .order_by(Statement.id)
        ).tuples()
        pids = self.ids.participant_id
        yield from _chunks(
            f"{epoch_ms(at)},{self.java_date(at)},{self.ids.comment_id[sid]},"
            f"{pids[author] if author is not None else ''},{counts.get((sid, 1), 0)},{counts.get((sid, -1), 0)},"
            f"{_MODERATION[status]},{quote(text)}\n"
            for sid, at, author, status, text in rows
        )

    def _event_counts(self) -> list[tuple[int, int, int]]:
        return list(
            db.session.execute(
                select(VoteEvent.statement_id, VoteEvent.value, func.count())
                .where(VoteEvent.issue_id == self.issue.id, VoteEvent.value != 0)
                .group_by(VoteEvent.statement_id, VoteEvent.value)
            ).tuples()
        )

    # --- votes.csv ------------------------------------------------------------------------
    def votes(self) -> Iterator[str]:
        yield "timestamp,datetime,comment-id,voter-id,vote\n"
        query = (
            select(_epoch_ms_sql(), VoteEvent.statement_id, VoteEvent.participant_id, VoteEvent.value)
            .where(VoteEvent.issue_id == self.issue.id)
            .order_by(VoteEvent.statement_id, VoteEvent.participant_id, VoteEvent.created_at, VoteEvent.id)
        )
        tids, pids, date = self.ids.comment_id, self.ids.participant_id, self.dates.format
        yield from _chunks(
            f"{ms},{date(ms)},{tids[sid]},{pids[pid]},{value}\n" for ms, sid, pid, value in _stream(query)
        )

    # --- participants-votes.csv -----------------------------------------------------------
    def participants_votes(self) -> Iterator[str]:
        voted = list(
            db.session.scalars(
                select(Vote.statement_id).where(Vote.issue_id == self.issue.id).distinct().order_by(Vote.statement_id)
            )
        )
        tids = self.ids.comment_id
        # pol.is adds an xid column when the conversation has external ids (embeds with data-xid).
        self._xids = xids_by_participant(self.issue.id)
        head = ["participant", *(["xid"] if self._xids else []), "group-id", "n-comments", "n-votes", "n-agree"]
        yield ",".join([*head, "n-disagree"])
        yield "".join(f",{tids[sid]}" for sid in voted) + "\n"
        column = {sid: i for i, sid in enumerate(voted)}
        authored = dict(
            db.session.execute(
                select(Statement.author_id, func.count())
                .where(Statement.issue_id == self.issue.id, Statement.author_id.is_not(None))
                .group_by(Statement.author_id)
            )
            .tuples()
            .all()
        )
        group_of = {pid: group for pid, (_x, _y, group) in _current_positions(self.issue.id).items()}
        first = func.min(Vote.statement_id).over(partition_by=Vote.participant_id).label("first")
        inner = select(Vote.participant_id, Vote.statement_id, Vote.value, first).where(Vote.issue_id == self.issue.id)
        sub = inner.subquery()
        query = select(sub.c.participant_id, sub.c.statement_id, sub.c.value).order_by(
            sub.c.first, sub.c.participant_id, sub.c.statement_id
        )

        def rows() -> Iterator[str]:
            current, cells = None, [""] * len(voted)
            agree = disagree = n = 0
            for pid, sid, value in _stream(query):
                if pid != current:
                    if current is not None:
                        yield self._matrix_row(current, group_of, authored, n, agree, disagree, cells)
                        cells = [""] * len(voted)
                        agree = disagree = n = 0
                    current = pid
                cells[column[sid]] = "1" if value == 1 else "-1" if value == -1 else "0"
                n += 1
                agree += value == 1
                disagree += value == -1
            if current is not None:
                yield self._matrix_row(current, group_of, authored, n, agree, disagree, cells)

        yield from _chunks(rows())

    def _matrix_row(self, pid, group_of, authored, n, agree, disagree, cells) -> str:
        group = group_of.get(pid)
        group_cell = "" if group is None else group
        xid = f",{quote(self._xids.get(pid, ''))}" if self._xids else ""
        head = f"{self.ids.participant_id[pid]}{xid},{group_cell},{authored.get(pid, 0)},{n},{agree},{disagree}"
        return head + "".join("," + cell for cell in cells) + "\n"

    # --- summary.csv ----------------------------------------------------------------------
    def summary(self, url: str) -> Iterator[str]:
        issue_id = self.issue.id
        voters = db.session.scalar(
            select(func.count(func.distinct(VoteEvent.participant_id))).where(VoteEvent.issue_id == issue_id)
        )
        commenters = db.session.scalar(
            select(func.count(func.distinct(Statement.author_id))).where(Statement.issue_id == issue_id)
        )
        comments = db.session.scalar(
            select(func.count(func.distinct(VoteEvent.statement_id))).where(VoteEvent.issue_id == issue_id)
        )
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


def _stream(query) -> Iterable[tuple]:
    """Plain tuples of a Core ``query`` of integer columns, fetched in batches on the driver's own
    cursor: a server-side cursor on PostgreSQL, so the rows are never all in memory. SQLAlchemy's
    Row objects would cost more than the rest of the export together."""
    connection = db.session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"agora_export_{next(_cursor_names)}")
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield from rows
    finally:
        cursor.close()


def _epoch_ms_sql():
    """SQL for ``VoteEvent.created_at`` in whole epoch milliseconds (floored, exact)."""
    if db.session.get_bind().dialect.name == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): seconds from strftime, milliseconds from the text.
        column = VoteEvent.__table__.c.created_at
        return func.strftime("%s", column) * 1000 + cast(func.substr(column, 21, 3), Integer)
    return cast(func.extract("epoch", func.date_trunc("milliseconds", VoteEvent.created_at)) * 1000, BigInteger)


class JavaDates:
    """Epoch milliseconds -> Java's ``Date.toString()`` in one time zone, fast enough for millions
    of rows: the zone's offset and name are looked up once per UTC hour, the date part once per
    local day."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.hours: dict[int, tuple[int, str]] = {}
        self.days: dict[int, tuple[str, int]] = {}

    def format(self, ms: int) -> str:
        seconds = ms // 1000
        hour = seconds // 3600
        zone = self.hours.get(hour)
        if zone is None:
            local = datetime.fromtimestamp(hour * 3600, UTC).astimezone(self.zone)
            zone = self.hours[hour] = (int(local.utcoffset().total_seconds()), local.tzname())
            if len(self.hours) > 100_000:
                self.hours.clear()
        local_seconds = seconds + zone[0]
        day = local_seconds // 86_400
        date = self.days.get(day)
        if date is None:
            moment = datetime.fromtimestamp(day * 86_400, UTC)
            date = self.days[day] = (
                f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d}",
                moment.year,
            )
            if len(self.days) > 100_000:
                self.days.clear()
        return f"{date[0]} {_CLOCK[local_seconds % 86_400]} {zone[1]} {date[1]}"


_cursor_names = itertools.count(1)
_CLOCK = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(86_400)]


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
