"""Security headers on every page type of every blueprint (issue 14, point 3)."""

from __future__ import annotations

import pytest
from flask import g

from app.security.headers import HSTS
from tests.support.issues import make_issue


@pytest.fixture
def slug(app):
    make_issue(app, slug="headers")
    return "headers"


def _assert_hardened(response, *, framed_by: str | None = None) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no nonce: no inline script at all
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if framed_by is None:
        assert directives["frame-ancestors"] == "'none'"
        assert response.headers["X-Frame-Options"] == "DENY"
    else:
        assert directives["frame-ancestors"] == framed_by
        assert "X-Frame-Options" not in response.headers
    assert "Strict-Transport-Security" not in response.headers  # plain http: browsers ignore it anyway
    return directives


def test_every_blueprint_page_type_carries_the_headers(app, client, auth, slug):
    anonymous = {
        "pages": "/",
        "pages (issue)": f"/issues/{slug}",
        "process": f"/issues/{slug}/activity",
        "accountability": "/responses",
        "accountability (feed)": f"/issues/{slug}/feed.atom",
        "auth": "/auth/login",
        "api": "/api/v1/issues",
        "ops": "/healthz",
        "errors (404)": "/no-such-page",
        "errors (API 404)": "/api/v1/issues/999",
        "static": "/static/css/process.css",
    }
    for name, url in anonymous.items():
        response = client.get(url)
        assert response.status_code in (200, 404), name
        _assert_hardened(response)
        response.close()  # static files are streamed from an open file
    refused = client.post("/api/v1/issues/1/votes", json={})  # a 400 (CSRF) answered by the errors blueprint
    _assert_hardened(refused)
    auth.login("facilitator")
    _assert_hardened(client.get("/console/"))
    auth.login("ministry", agency="交通部")
    _assert_hardened(client.get("/ministry/"))


def test_hsts_over_https_only(client):
    secure = client.get("/", base_url="https://agora.example")
    assert secure.headers["Strict-Transport-Security"] == HSTS
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_views_may_allow_named_origins_to_frame_them(app):
    """The contract with issue 13's embeds: ``g.csp_frame_ancestors`` lists who may frame the view."""

    @app.get("/test-embed")
    def embed():
        g.csp_frame_ancestors = ["https://news.example", "https://blog.example:8443"]
        return "embedded"

    @app.get("/test-embed-bad")
    def embed_bad():
        g.csp_frame_ancestors = ["https://ok.example", "'unsafe-inline'; script-src *"]  # never injected
        return "embedded"

    client = app.test_client()
    _assert_hardened(client.get("/test-embed"), framed_by="https://news.example https://blog.example:8443")
    _assert_hardened(client.get("/test-embed-bad"), framed_by="https://ok.example")


def test_templates_have_no_inline_script_or_style():
    """CSP forbids inline code; this keeps templates from growing some that the policy would break."""
    import re
    from pathlib import Path

    from app.config import PROJECT_ROOT

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handlers = re.compile(r"\son[a-z]+\s*=", re.I)
    for path in Path(PROJECT_ROOT, "templates").rglob("*.html"):
        text = path.read_text()
        assert not inline_script.search(text), path
        assert "<style" not in text and " style=" not in text, path
        assert not handlers.search(text), path
        assert "javascript:" not in text, path
