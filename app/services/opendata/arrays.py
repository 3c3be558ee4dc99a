"""The export's fast path: integer rows read into numpy arrays a chunk at a time, and formatted
into CSV text a chunk at a time.

A 2M-vote export spends its time in two places when it goes row by row: the database sorting every
row into pol.is's order, and Python formatting each row. Here the database reads one chunk of rows
(a range of statements, or a set of participants) in no particular order through an index, numpy
sorts the chunk, and each chunk's text is made by one ``%`` over a format repeated per row, whose
fields come from lookup tables (ids as text, Java dates split into day, clock and zone parts).
Memory is bounded by the chunk, not the issue.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

import numpy as np
from sqlalchemy import BigInteger, Select, cast, func, select

from app.extensions import db

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CLOCK = np.array([f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(86_400)], dtype=object)


def int_rows(query: Select, stamp=None) -> tuple[np.ndarray, np.ndarray]:
    """The rows of a query of integer columns as an int64 array of shape (rows, columns), in no
    particular order (callers sort), and, when ``stamp`` names a UTCDateTime column of the same
    rows, its values in whole microseconds since the epoch (exact, so they order as the column
    does), else an empty array.

    On SQLite each column comes as ONE string (``group_concat``, all in one step, so the driver
    does not release and retake the GIL on every row, which in a busy web process costs more than
    the export; one string per column is half the time of one ``printf`` per row) and numpy parses
    them; the stamps as the stored text, which numpy parses as dates (SQLite's ``strftime`` would
    double the query's time). Elsewhere the database
    converts the stamps and the rows are fetched on the driver's own cursor, without SQLAlchemy's
    Row objects.
    """
    columns = len(query.selected_columns)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        sub = (query.add_columns(stamp.label("stamp")) if stamp is not None else query).subquery()
        joined = db.session.execute(select(*(func.group_concat(column, ",") for column in sub.c))).one()
        if not joined[0]:
            return np.zeros((0, columns), dtype=np.int64), _NO_STAMPS
        rows = np.stack([np.fromstring(text, dtype=np.int64, sep=",") for text in joined[:columns]], axis=1)
        return rows, _parse_stamps(joined[columns], len(rows)) if stamp is not None else _NO_STAMPS
    if stamp is not None:
        query = query.add_columns(cast(func.extract("epoch", stamp) * 1_000_000, BigInteger))  # numeric: exact
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    width = columns + (stamp is not None)
    flat = np.fromiter(itertools.chain.from_iterable(fetched), dtype=np.int64, count=len(fetched) * width)
    rows = flat.reshape(-1, width)
    return (rows[:, :columns], rows[:, columns]) if stamp is not None else (rows, _NO_STAMPS)


_NO_STAMPS = np.zeros(0, dtype=np.int64)
_STORED = 26  # 'YYYY-MM-DD HH:MM:SS.ffffff', as SQLAlchemy stores a datetime in SQLite


def _parse_stamps(joined: str, count: int) -> np.ndarray:
    """Comma-joined SQLite datetimes (UTC) -> epoch microseconds."""
    raw = (joined + ",").encode("ascii")
    if len(raw) == (_STORED + 1) * count:  # every one in the stored width: parse in place
        fixed = np.frombuffer(raw, dtype=np.uint8).reshape(count, _STORED + 1)[:, :_STORED]
        texts = np.ascontiguousarray(fixed).view(f"S{_STORED}").ravel()
    else:
        texts = np.array(joined.split(","))
    return texts.astype("datetime64[us]").astype(np.int64)


def ranges(counts: Sequence[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Consecutive (first, last) key ranges of ``counts`` ((key, rows) in key order) holding about
    ``limit`` rows each; a key with more rows than ``limit`` is a range of its own."""
    out: list[tuple[int, int]] = []
    start = last = None
    total = 0
    for key, n in counts:
        if start is not None and total + n > limit:
            out.append((start, last))
            start, total = None, 0
        if start is None:
            start = key
        total += n
        last = key
    if start is not None:
        out.append((start, last))
    return out


def lookup(mapping: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A mapping of database ids to export ids as (sorted keys, their values as text), for
    ``texts_of``."""
    keys = np.fromiter(mapping, dtype=np.int64, count=len(mapping))
    order = np.argsort(keys)
    values = np.array([str(mapping[k]) for k in keys[order].tolist()], dtype=object)
    return keys[order], values


def texts_of(table: tuple[np.ndarray, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """The text of each id's export id (every id must be in the table)."""
    keys, values = table
    return values[np.searchsorted(keys, ids)]


def format_rows(fmt: str, columns: list) -> str:
    """``fmt`` applied to every row of ``columns`` (numpy arrays or lists of one length), as one string."""
    n = len(columns[0])
    if n == 0:
        return ""
    table = np.empty((n, len(columns)), dtype=object)
    for i, column in enumerate(columns):
        table[:, i] = column.tolist() if isinstance(column, np.ndarray) and column.dtype != object else column
    return (fmt * n) % tuple(table.ravel().tolist())


class JavaDates:
    """Epoch milliseconds -> Java's ``Date.toString()`` in one time zone, for whole arrays: the
    zone's offset and name are looked up once per UTC hour, the date part once per local day,
    the clock from a table. ``parts`` gives the four fields of ``"%s %s %s %s"``."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.hours: dict[int, tuple[int, str]] = {}
        self.days: dict[int, tuple[str, str]] = {}

    def parts(self, ms: np.ndarray) -> list[np.ndarray]:
        seconds = ms // 1000
        hours, hour_of = np.unique(seconds // 3600, return_inverse=True)
        zones = [self._hour(h) for h in hours.tolist()]
        offsets = np.array([offset for offset, _name in zones], dtype=np.int64)
        names = np.array([name for _offset, name in zones], dtype=object)
        local = seconds + offsets[hour_of]
        days, day_of = np.unique(local // 86_400, return_inverse=True)
        dates = [self._day(d) for d in days.tolist()]
        prefixes = np.array([prefix for prefix, _year in dates], dtype=object)
        years = np.array([year for _prefix, year in dates], dtype=object)
        return [prefixes[day_of], _CLOCK[local % 86_400], names[hour_of], years[day_of]]

    def format(self, ms: int) -> str:
        prefix, clock, name, year = (part[0] for part in self.parts(np.array([ms], dtype=np.int64)))
        return f"{prefix} {clock} {name} {year}"

    def _hour(self, hour: int) -> tuple[int, str]:
        zone = self.hours.get(hour)
        if zone is None:
            local = datetime.fromtimestamp(hour * 3600, UTC).astimezone(self.zone)
            zone = self.hours[hour] = (int(local.utcoffset().total_seconds()), local.tzname())
            if len(self.hours) > 100_000:
                self.hours.clear()
        return zone

    def _day(self, day: int) -> tuple[str, str]:
        date = self.days.get(day)
        if date is None:
            moment = datetime.fromtimestamp(day * 86_400, UTC)
            date = self.days[day] = (
                f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d}",
                str(moment.year),
            )
            if len(self.days) > 100_000:
                self.days.clear()
        return date
