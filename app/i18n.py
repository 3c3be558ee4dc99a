"""Language and time zone: Traditional Chinese (zh-TW) and English; times typed in DISPLAY_TIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import babel

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    """The switcher's choice if made, else the best match for Accept-Language, else zh-TW."""
    languages: list[str] = current_app.config["AGORA_LANGUAGES"]
    if not has_request_context():
        # CLI commands and background workers: callers pick a locale with force_locale.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in languages:
        return chosen
    # Accept-Language says zh-TW / zh-Hant / en-US; Babel's names are zh_TW / en.
    offered = {"zh-TW": "zh_TW", "zh-Hant": "zh_TW", "zh": "zh_TW", "en": "en"}
    best = request.accept_languages.best_match(list(offered))
    return offered.get(best or "", current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return current_app.config["DISPLAY_TIMEZONE"]


def to_utc(local: datetime | None) -> datetime | None:
    """A datetime-local value means the display time zone (Asia/Taipei by default); store it in UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=ZoneInfo(select_timezone())).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """The inverse of ``to_utc``, for filling a datetime-local input."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(select_timezone())).replace(tzinfo=None)


def parse_local_datetime(value: str) -> datetime:
    """A typed date and time, in the display time zone unless it names its own, as aware UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise AgoraError(
            "bad_date", _("Give the new deadline as a date and time, e.g. 2026-12-31 17:00."), 400
        ) from None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else to_utc(parsed)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path) + "/translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
