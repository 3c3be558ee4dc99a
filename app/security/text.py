"""One text guard for everything people write: statements, replies, titles, response texts.

It refuses what a keyboard does not type and a database or mail header cannot hold: lone UTF-16
surrogates (``"\\ud800"`` in JSON), NUL and other control characters, line breaks in one-line
fields such as titles (CR, LF, U+2028, U+2029, ...). It treats text made only of invisible
characters (zero-width spaces and joiners, bidi controls, the BOM) as empty, and ``fold`` drops
those characters so that they cannot make a duplicate look new.
"""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

from app.exceptions import AgoraError

#: Allowed in multi-line text; every other C0/C1 control character is refused.
_MULTILINE_CONTROLS = frozenset("\t\n\r")
#: What ``str.splitlines`` breaks on: none of these may appear in a one-line field.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _is_surrogate(char: str) -> bool:
    return "\ud800" <= char <= "\udfff"


def text_problem(text: str, *, single_line: bool = False) -> str | None:
    """Why ``text`` cannot be stored (``"surrogate"``, ``"control"``, ``"line_break"``), or None."""
    for char in text:
        if _is_surrogate(char):
            return "surrogate"
        if single_line and char in LINE_BREAKS:
            return "line_break"
        if unicodedata.category(char) == "Cc" and char not in _MULTILINE_CONTROLS:
            return "control"
    return None


def fold(text: str) -> str:
    """The form used to spot duplicates: NFKC, format characters dropped, case-folded, whitespace collapsed."""
    normal = unicodedata.normalize("NFKC", text)
    visible = "".join(char for char in normal if unicodedata.category(char) != "Cf")
    return " ".join(visible.casefold().split())


def is_blank(text: str) -> bool:
    """True when nothing in ``text`` would show: whitespace and zero-width or bidi characters only."""
    return not fold(text)


def check_text(raw: object, *, code: str, single_line: bool = False) -> str:
    """``raw`` when it is text that may be stored, else a 400 AgoraError ``<code>_invalid``.

    Emptiness and length are the caller's to check (each field has its own wording and limit);
    ``is_blank`` says whether visible text is left.
    """
    if not isinstance(raw, str):
        raise AgoraError(f"{code}_invalid", _("This must be text."), 400)
    problem = text_problem(raw, single_line=single_line)
    if problem == "line_break":
        raise AgoraError(f"{code}_invalid", _("This must be one line, without line breaks."), 400)
    if problem is not None:
        raise AgoraError(f"{code}_invalid", _("The text contains a character that is not allowed."), 400)
    return raw


def safe_for_xml(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (for feeds of text stored before this guard)."""
    return "".join(
        char
        for char in text
        if char in "\t\n\r" or ("\x20" <= char <= "\ud7ff") or ("\ue000" <= char <= "\ufffd") or char >= "\U00010000"
    )
