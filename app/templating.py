"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import format_datetime, get_locale

from app.i18n import select_locale
from app.services.markdown import render_citizen_markdown, render_markdown


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown  # staff documents
    app.jinja_env.filters["citizen_markdown"] = render_citizen_markdown  # replies: no images
    app.jinja_env.filters["datetime"] = format_datetime

    @app.context_processor
    def inject_globals() -> dict[str, object]:
        locale = get_locale()
        # Babel expands zh_TW to zh_Hant_TW; compare the language only.
        is_chinese = (locale.language if locale else select_locale()[:2]) == "zh"
        return {
            "current_locale": "zh_TW" if is_chinese else "en",
            "languages": current_app.config["AGORA_LANGUAGES"],
            "html_lang": "zh-Hant-TW" if is_chinese else "en",
        }
