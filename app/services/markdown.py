"""Markdown rendering with an allow-list sanitiser, for every user- or staff-written text."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is disabled in the parser *and* the output is sanitised: either alone would do,
# both together survive a future change to one of them.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
# Citizens' Markdown (discussion replies) shows no images: a remote image would report the address
# of every reader, facilitators in the moderation queue included, to whoever serves it.
_citizen_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "img",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str | None) -> Markup:
    """Render staff Markdown to sanitised HTML: no scripts, event handlers or javascript: URLs."""
    return _render(_parser, text, _ALLOWED_TAGS)


def render_citizen_markdown(text: str | None) -> Markup:
    """Render Markdown a citizen wrote: as ``render_markdown``, without images (a link stays a link)."""
    return _render(_citizen_parser, text, _ALLOWED_TAGS - {"img"})


def _render(parser: MarkdownIt, text: str | None, tags: set[str]) -> Markup:
    html = parser.render(text or "")
    clean = nh3.clean(
        html,
        tags=tags,
        attributes={tag: attrs for tag, attrs in _ALLOWED_ATTRIBUTES.items() if tag in tags},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
