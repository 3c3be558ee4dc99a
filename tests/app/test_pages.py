"""Citizen pages through the Flask client: escaping, no-JS voting, my votes, languages."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import ModerationMode, ModerationStatus, Stage, Statement, Vote, VoteEvent
from tests.support.issues import count, make_issue, make_statement

EN = {"Accept-Language": "en"}
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_STATEMENT_ID = re.compile(r'name="statement_id" value="(\d*)"')


def csrf(html: str) -> str:
    return _CSRF.search(html).group(1)


def shown_statement(html: str) -> int | None:
    value = _STATEMENT_ID.search(html).group(1)
    return int(value) if value else None


def test_home_lists_issues_with_stage_and_counts(app, client):
    make_issue(
        app,
        slug="buses",
        title="Night <buses>",
        current_stage=Stage.VOTING,
        steward_agency="交通部",
    )
    html = client.get("/", headers=EN).get_data(as_text=True)
    assert 'href="/issues/buses"' in html
    assert "Night &lt;buses&gt;" in html
    assert "Voting" in html and "交通部" in html
    zh = client.get("/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "投票" in zh and "參與者" in zh


def test_issue_page_escapes_statements_and_sanitises_the_description(app, client):
    issue_id = make_issue(
        app,
        slug="escape",
        description=("# Background\n\n**Bold** <script>alert('description')</script> [x](javascript:alert(1))"),
        attribution="Data: [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/)",
    )
    make_statement(app, issue_id, "<script>alert('statement')</script> & more")
    response = client.get("/issues/escape", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;statement&#39;)&lt;/script&gt; &amp; more" in html
    assert "<script>alert(" not in html
    assert "<strong>Bold</strong>" in html and "<h1>Background</h1>" in html
    assert 'href="javascript' not in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in html and "Data attribution" in html


def test_unknown_issue_page_is_a_404_page(app, client):
    response = client.get("/issues/nope", headers=EN)
    assert response.status_code == 404
    assert "We could not find that issue." in response.get_data(as_text=True)


def test_voting_without_javascript(app, client):
    issue_id = make_issue(app, slug="nojs")
    ids = {make_statement(app, issue_id, f"Statement {n}") for n in range(2)}
    html = client.get("/issues/nojs", headers=EN).get_data(as_text=True)
    first = shown_statement(html)
    assert first in ids
    response = client.post(
        "/issues/nojs/votes",
        data={"csrf_token": csrf(html), "statement_id": first, "vote": "agree"},
        headers=EN,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/issues/nojs"
    html = client.get("/issues/nojs", headers=EN).get_data(as_text=True)
    assert "Your vote was recorded." in html
    second = shown_statement(html)
    assert second in ids - {first}
    assert re.search(r'data-count="votes">1<', html)
    client.post(
        "/issues/nojs/votes",
        data={"csrf_token": csrf(html), "statement_id": second, "vote": "pass"},
    )
    html = client.get("/issues/nojs", headers=EN).get_data(as_text=True)
    assert shown_statement(html) is None
    assert "You have voted on every statement so far." in html
    with app.app_context():
        assert sorted(db.session.scalars(select(Vote.value))) == [0, 1]


def test_form_vote_errors_are_shown_as_a_page(app, client):
    issue_id = make_issue(app, slug="errors")
    rejected = make_statement(app, issue_id, "Removed", ModerationStatus.REJECTED)
    html = client.get("/issues/errors", headers=EN).get_data(as_text=True)
    response = client.post(
        "/issues/errors/votes",
        data={"csrf_token": csrf(html), "statement_id": rejected, "vote": "agree"},
        headers=EN,
    )
    assert response.status_code == 409
    assert "removed by the moderators" in response.get_data(as_text=True)
    response = client.post("/issues/errors/votes", data={"statement_id": rejected, "vote": "agree"}, headers=EN)
    assert response.status_code == 400  # no CSRF token
    assert count(app, VoteEvent) == 0


def test_my_votes_lists_and_changes_votes(app, client):
    issue_id = make_issue(app, slug="mine")
    statement_id = make_statement(app, issue_id, "Change <me>")
    html = client.get("/issues/mine/my-votes", headers=EN).get_data(as_text=True)
    assert "You have not voted in this issue yet." in html
    client.post(
        "/issues/mine/votes",
        data={"csrf_token": csrf(html), "statement_id": statement_id, "vote": "agree"},
    )
    html = client.get("/issues/mine/my-votes", headers=EN).get_data(as_text=True)
    assert "Change &lt;me&gt;" in html
    assert re.search(r'value="agree" class="vote vote-agree"\s+aria-pressed="true"', html)
    assert re.search(r'value="disagree" class="vote vote-disagree"\s+aria-pressed="false"', html)
    target = f"/issues/mine/my-votes#statement-{statement_id}"
    assert f'name="next" value="{target}"' in html
    response = client.post(
        "/issues/mine/votes",
        data={
            "csrf_token": csrf(html),
            "statement_id": statement_id,
            "vote": "disagree",
            "next": target,
        },
        headers=EN,
    )
    assert response.status_code == 302 and response.headers["Location"] == target
    html = client.get("/issues/mine/my-votes", headers=EN).get_data(as_text=True)
    assert "Your vote was changed." in html
    assert re.search(r'value="disagree" class="vote vote-disagree"\s+aria-pressed="true"', html)
    with app.app_context():
        assert db.session.scalars(select(Vote.value)).all() == [-1]
        assert db.session.scalars(select(VoteEvent.value).order_by(VoteEvent.id)).all() == [1, -1]


def test_vote_form_never_redirects_off_site(app, client):
    issue_id = make_issue(app, slug="redirect")
    statement_id = make_statement(app, issue_id, "Stay here")
    html = client.get("/issues/redirect").get_data(as_text=True)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/issues/redirect/votes",
            data={
                "csrf_token": csrf(html),
                "statement_id": statement_id,
                "vote": "pass",
                "next": target,
            },
        )
        assert response.headers["Location"] == "/issues/redirect"


def test_add_statement_with_the_form(app, client):
    make_issue(app, slug="add", moderation_mode=ModerationMode.STRICT)
    html = client.get("/issues/add", headers=EN).get_data(as_text=True)
    assert '<label for="statement-text">' in html and "0 of 280 characters" in html
    response = client.post("/issues/add/statements", data={"csrf_token": csrf(html), "text": "My <idea>"}, headers=EN)
    assert response.status_code == 302
    html = client.get("/issues/add", headers=EN).get_data(as_text=True)
    assert "will appear once a moderator has accepted it" in html
    with app.app_context():
        assert db.session.scalars(select(Statement.text)).all() == ["My <idea>"]


def test_bad_statement_form_shows_the_message_and_keeps_the_text(app, client):
    make_issue(app, slug="bad", statement_max_length=10)
    html = client.get("/issues/bad").get_data(as_text=True)
    response = client.post(
        "/issues/bad/statements",
        data={"csrf_token": csrf(html), "text": "far too long <b>text</b>"},
        headers={"Accept-Language": "zh-TW"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert">意見最多只能有 10 個字。' in html
    assert 'aria-invalid="true"' in html
    assert ">far too long &lt;b&gt;text&lt;/b&gt;</textarea>" in html
    assert count(app, Statement) == 0


def test_accept_language_chooses_the_language(app, client):
    make_issue(app, slug="lang")
    zh = client.get("/issues/lang", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "發表意見" in zh and "同意" in zh and "Add a statement" not in zh
    en = client.get("/issues/lang", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in en and "Add a statement" in en and "Agree" in en and "發表意見" not in en


def test_language_switcher_overrides_accept_language(app, client):
    make_issue(app, slug="switch")
    html = client.get("/issues/switch", headers=EN).get_data(as_text=True)
    response = client.post(
        "/language",
        data={"csrf_token": csrf(html), "locale": "zh_TW", "next": "/issues/switch"},
        headers=EN,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/issues/switch"
    html = client.get("/issues/switch", headers=EN).get_data(as_text=True)
    assert "發表意見" in html and "Add a statement" not in html


def test_closed_stage_shows_no_vote_buttons(app, client):
    issue_id = make_issue(app, slug="closed", current_stage=Stage.DISCUSSION)
    make_statement(app, issue_id, "Too late to vote")
    html = client.get("/issues/closed", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "這個階段已停止對意見投票" in html
    assert 'name="vote"' not in html
