"""Every string shown to people has a Traditional Chinese (zh-TW) translation, and pages use it.

The messages are extracted from the source at test time with Babel's API, with the same mapping
(babel.cfg) and keywords as the ``pybabel extract`` command in DEVELOPERS.md, so a string added
without a translation in app/translations/zh_Hant_TW/LC_MESSAGES/messages.po fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from app.models import Stage
from tests.support.issues import make_issue

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "app" / "translations" / "zh_Hant_TW" / "LC_MESSAGES" / "messages.po"
# The same keywords as: pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2
EXTRA_KEYWORDS = ["_l", "lazy_gettext", "ngettext:1,2", "lazy_ngettext:1,2"]
# printf-style conversions: %(name)s, %(num)d, %s; "%%" is a literal percent sign.
_CONVERSION = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*\d*(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa%])")


def _key(msgid: str | tuple[str, ...], context: str | None) -> tuple[str | None, str]:
    return context, msgid[0] if isinstance(msgid, tuple) else msgid


def _describe(key: tuple[str | None, str]) -> str:
    context, msgid = key
    return f"[{context}] {msgid!r}" if context else repr(msgid)


@pytest.fixture(scope="module")
def source_messages() -> dict[tuple[str | None, str], dict[str, object]]:
    """(context, msgid) -> {"id": msgid or (singular, plural), "locations": [...]} from the source."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(EXTRA_KEYWORDS))
    messages: dict[tuple[str | None, str], dict[str, object]] = {}
    for filename, lineno, msgid, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        if not msgid or (isinstance(msgid, tuple) and not msgid[0]):
            continue
        entry = messages.setdefault(_key(msgid, context), {"id": msgid, "locations": []})
        entry["locations"].append(f"{filename}:{lineno}")
    return messages


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with open(PO_FILE, "rb") as po:
        return read_po(po, locale="zh_TW")


def _conversions(text: str) -> Counter:
    return Counter((m.group("name"), m.group("type")) for m in _CONVERSION.finditer(text) if m.group("type") != "%")


def _dummy_values(msgid: str) -> dict[str, object] | tuple[object, ...]:
    names = {m.group("name"): m.group("type") for m in _CONVERSION.finditer(msgid) if m.group("type") != "%"}
    if any(name is None for name in names):
        return tuple(1 if kind in "diouxXeEfFgGc" else "x" for kind in names.values())
    return {name: 1 if kind in "diouxXeEfFgGc" else "x" for name, kind in names.items()}


def test_extraction_finds_the_messages(source_messages):
    # Guards against an extraction that silently finds nothing (wrong mapping, missing extractor).
    assert len(source_messages) > 300
    assert (None, "Skip to content") in source_messages  # templates/base.html (jinja2)
    assert (None, "The issue was created.") in source_messages  # app/console/issues.py (python)
    assert (None, "Hello,") in source_messages  # templates/email/*.txt


def test_every_message_has_a_zh_tw_translation(source_messages, catalog):
    problems = []
    for key, entry in sorted(source_messages.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        context, msgid = key
        message = catalog.get(entry["id"][0] if isinstance(entry["id"], tuple) else entry["id"], context)
        where = ", ".join(entry["locations"][:2])
        if message is None:
            problems.append(f"missing: {_describe(key)} ({where})")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {_describe(key)} ({where})")
        if not strings or not all(s and s.strip() for s in strings):
            problems.append(f"empty: {_describe(key)} ({where})")
        if isinstance(entry["id"], tuple) and not isinstance(message.id, tuple):
            problems.append(f"needs plural forms (msgid_plural): {_describe(key)} ({where})")
    assert not problems, (
        f"{len(problems)} message(s) lack a zh_TW translation in {PO_FILE.relative_to(ROOT)}; run pybabel "
        "extract/update as DEVELOPERS.md says and translate them:\n" + "\n".join(problems)
    )


def test_translations_keep_the_placeholders(catalog):
    problems = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.python_format and not any(_conversions(i) for i in ids):
            continue
        # Chinese has one plural form, which must carry the placeholders of the plural msgid.
        expected = _conversions(ids[-1])
        for translated in strings:
            if not translated:
                continue
            if set(_conversions(translated)) != set(expected):
                problems.append(
                    f"{ids[0]!r}: msgid has {sorted(map(str, expected))}, "
                    f"msgstr {translated!r} has {sorted(map(str, _conversions(translated)))}"
                )
                continue
            try:
                translated % _dummy_values(ids[-1])
            except (KeyError, TypeError, ValueError) as error:
                problems.append(f"{ids[0]!r}: msgstr {translated!r} cannot be formatted ({error})")
    assert not problems, "Placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_catalog_passes_babels_checks(catalog):
    problems = [f"{message.id!r}: {error}" for message, errors in catalog.check() for error in errors]
    assert not problems, "\n".join(problems)


def test_home_page_in_traditional_chinese(app, client):
    make_issue(app, slug="night-buses", title="夜間公車", current_stage=Stage.VOTING, steward_agency="交通部")
    html = client.get("/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert '<html lang="zh-Hant-TW">' in html
    assert "跳至主要內容" in html  # Skip to content
    assert "議題" in html  # Issues (navigation)
    assert "登入" in html and "註冊" in html  # Log in, Register
    assert "Agora 是開放原始碼的公共審議平台。" in html
    assert "投票" in html  # the Voting stage label
    for english in ("Skip to content", "Log in", "Register", "open-source software"):
        assert english not in html


def test_home_page_in_english(app, client):
    make_issue(app, slug="night-buses", title="Night buses", current_stage=Stage.VOTING)
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Skip to content" in html
    assert "Log in" in html and "Register" in html
    assert "Agora is open-source software for public deliberation." in html
    assert "Voting" in html
    assert "跳至主要內容" not in html and "登入" not in html
