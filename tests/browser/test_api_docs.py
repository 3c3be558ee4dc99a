"""The API reference renders in real Chromium from the vendored Swagger UI under a strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_reference_lists_every_operation_without_csp_violations(live_server, page):
    problems = []
    page.on(
        "console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on(
        "request", lambda request: None if request.url.startswith(live_server.url) else problems.append(request.url)
    )
    response = page.goto(live_server.url + "/api/v1/docs")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    # A 1.7 MB bundle to parse on a shared 2-core machine: a generous wait, not a speed assertion.
    expect(page.locator("h1.title", has_text="Agora API")).to_be_visible(timeout=60_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/issues/{issue_id}/votes")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/webhooks")).to_have_count(5)
    page.locator(".opblock-summary-path", has_text="/api/v1/issues/{issue_id}/votes").click()
    expect(page.get_by_text("VoteIn").first).to_be_visible()
    assert problems == [], problems
