"""One parser for every id a client sends: URL segments, JSON and form fields, socket payloads, CSV cells.

Only ASCII digits, and only values an id column can hold: ``"²".isdigit()`` is true yet
``int("²")`` raises, ``int("١٢")`` is 12, and 2**70 overflows the database driver. Each of those
used to reach a 500; through this module they are a 400 (a field) or a 404 (a path). The bound
is PostgreSQL's INTEGER (the id columns' type), which is also far inside SQLite's.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the primary keys are PostgreSQL INTEGER columns
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(raw: object) -> int | None:
    """``raw`` as a positive id (an int, or a string of ASCII digits), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if not _DIGITS.fullmatch(text):
            return None
        raw = int(text)
    if not isinstance(raw, int) or not 1 <= raw <= MAX_ID:
        return None
    return raw


def parse_int(raw: object, *, minimum: int = -(2**63), maximum: int = 2**63 - 1) -> int | None:
    """A bounded integer from an int or an ASCII-digit string with an optional sign, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if not re.fullmatch(r"[+-]?[0-9]{1,19}", text):
            return None
        raw = int(text)
    if not isinstance(raw, int) or not minimum <= raw <= maximum:
        return None
    return raw


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits that fit the database, else 404 (never a 500)."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (Werkzeug's signature)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
