"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import format_datetime, get_locale

from app.i18n import select_locale
from app.services.labels import KIND_LABELS, VERDICT_LABELS, group_label
from app.services.markdown import render_citizen_markdown, render_markdown


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown  # staff documents
    app.jinja_env.filters["citizen_markdown"] = render_citizen_markdown  # replies: no images
    app.jinja_env.filters["datetime"] = format_datetime
    # The labels every page shares (app.services.labels); static/js mirrors group_label.
    app.jinja_env.globals["group_label"] = group_label
    app.jinja_env.filters["group_labels"] = lambda ids: ", ".join(group_label(i) for i in ids or ())
    app.jinja_env.globals["response_kind_labels"] = KIND_LABELS
    app.jinja_env.globals["verdict_labels"] = VERDICT_LABELS

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
