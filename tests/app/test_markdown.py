"""Script, event-handler and javascript: payloads in research, descriptions and discussion do nothing."""

from __future__ import annotations

import re

import pytest

PAYLOADS = [
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
    "![x](javascript:alert(1))",
]


def _assert_inert(html: str) -> None:
    lowered = html.lower()
    assert "<script>alert" not in lowered
    # An event handler inside a real tag (escaped text such as "&lt;img onerror=" is harmless).
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", lowered)
    assert not re.search(r"<[a-z][^>]*\s(href|src)=\"?javascript:", lowered)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_everywhere(client, auth, payload):
    auth.login("facilitator")
    created = auth.post(
        "/console/issues/new",
        data={
            "title": "T",
            "slug": "t",
            "statement_max_length": "280",
            "inform_response_days": "7",
            "final_response_days": "60",
            "moderation_mode": "lazy",
            "description": payload,
        },
    )
    assert created.status_code == 302
    auth.post("/console/issues/t/research/new", data={"title": "R", "body": payload})
    auth.post("/console/issues/t/topics", data={"title": "D", "body": payload})
    auth.post("/issues/t/discussion/1/replies", data={"body": payload})
    for url in ["/issues/t", "/issues/t/research/1", "/issues/t/discussion/1", "/console/issues/t"]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_inert(response.get_data(as_text=True))
