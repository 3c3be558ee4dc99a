"""Language and time-zone selection: Traditional Chinese (zh-TW) and English."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session

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


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path) + "/translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
