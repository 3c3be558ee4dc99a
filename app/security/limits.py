"""Request limits: body size (413 before any parsing) and JSON shape (depth, no lone surrogates).

``MAX_CONTENT_LENGTH`` bounds every body; the check runs before CSRF's, so a multipart body is
refused by its declared length instead of being parsed to temporary files first. Bodies without a
length (chunked) are cut off by Werkzeug at the same limit while they are read.

JSON is parsed by ``LimitedJSONProvider``: deeper nesting than ``MAX_JSON_DEPTH`` and strings with
lone surrogates (which no database driver stores) are malformed JSON, a 400 like any other.
"""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

MAX_JSON_DEPTH = 32
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024  # no route takes uploads; a statement is at most a few kB


def check_json_value(value: Any) -> None:
    """ValueError when ``value`` nests deeper than MAX_JSON_DEPTH or holds a lone surrogate (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= char <= "\udfff" for char in item):
                raise ValueError("lone surrogate in JSON text")
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (ValueError, hence a 400) what would fail later as a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        check_json_value(value)
        return value


def refuse_oversized_body() -> None:
    """A declared body longer than the limit is a 413 before anything reads or parses it."""
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        abort(413)


def init_app(app: Flask) -> None:
    """Call before CSRFProtect.init_app: its before_request parses the form."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is no limit at all
        app.config["MAX_CONTENT_LENGTH"] = int(os.environ.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_CONTENT_LENGTH)
    app.json = LimitedJSONProvider(app)
    app.before_request(refuse_oversized_body)
