"""Issue 11, point 5: a device's anonymous votes join the account on login; a vote changed twice at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from app.extensions import db
from app.models import Participant, Vote, VoteEvent, utcnow
from app.services.voting import Ballot, VoteValue, record_vote
from tests.app.conftest import PASSWORD, AuthActions
from tests.support.issues import make_issue, make_participant, make_statement


def login(auth: AuthActions, email: str):
    return auth.post("/auth/login", data={"email": email, "password": PASSWORD})


def vote(auth: AuthActions, issue_id: int, statement_id: int, value: str):
    response = auth.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": value})
    assert response.status_code in (200, 201), response.get_json()
    return response


def current_votes(app, participant_id):
    with app.app_context():
        return dict(
            db.session.execute(select(Vote.statement_id, Vote.value).where(Vote.participant_id == participant_id))
            .tuples()
            .all()
        )


def latest_events(app, participant_id):
    """Each statement's latest event by id: what the opinion map replays."""
    with app.app_context():
        latest = (
            select(func.max(VoteEvent.id))
            .where(VoteEvent.participant_id == participant_id)
            .group_by(VoteEvent.statement_id)
        )
        return dict(
            db.session.execute(select(VoteEvent.statement_id, VoteEvent.value).where(VoteEvent.id.in_(latest)))
            .tuples()
            .all()
        )


def test_login_merges_the_devices_votes_latest_wins(app):
    issue_id = make_issue(app)
    a, b, c, d = (make_statement(app, issue_id, f"Statement {n}") for n in "abcd")
    laptop = AuthActions(app, app.test_client())
    user = laptop.create_user("citizen", email="ada@example.org")
    assert login(laptop, user.email).status_code == 302
    vote(laptop, issue_id, a, "agree")  # only the account
    vote(laptop, issue_id, b, "agree")  # both; the phone's is later
    vote(laptop, issue_id, c, "disagree")  # both; the account's is later (see below)
    with app.app_context():
        account_id = db.session.scalar(select(Participant.id).where(Participant.user_id == user.id))

    phone = AuthActions(app, app.test_client())
    vote(phone, issue_id, b, "disagree")
    vote(phone, issue_id, c, "agree")
    vote(phone, issue_id, d, "pass")  # only the phone
    device_id = phone.client.get("/api/v1/session").get_json()["participant_id"]
    with app.app_context():
        # The account changed its vote on c after the phone voted on it.
        later = utcnow() + timedelta(hours=1)
        db.session.execute(
            update(Vote).where(Vote.participant_id == account_id, Vote.statement_id == c).values(updated_at=later)
        )
        db.session.commit()

    assert login(phone, user.email).status_code == 302

    assert phone.client.get("/api/v1/session").get_json()["participant_id"] == account_id
    assert current_votes(app, account_id) == {a: 1, b: -1, c: -1, d: 0}
    assert current_votes(app, device_id) == {}
    # Every statement's latest event is the current vote again, and the phone's history is the account's.
    assert latest_events(app, account_id) == {a: 1, b: -1, c: -1, d: 0}
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(VoteEvent.participant_id == device_id)) == 0
    # Counted once.
    counts = app.test_client().get(f"/api/v1/issues/{issue_id}").get_json()["counts"]
    assert counts == {"participants": 1, "statements": 4, "votes": 4}


def test_a_device_with_no_account_participant_becomes_the_accounts(app):
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    phone = AuthActions(app, app.test_client())
    user = phone.create_user("citizen")
    vote(phone, issue_id, statement_id, "agree")
    phone.client.post(
        f"/api/v1/issues/{issue_id}/statements", json={"text": "Idea"}, headers={"X-CSRFToken": phone.csrf_token}
    )
    device_id = phone.client.get("/api/v1/session").get_json()["participant_id"]
    assert login(phone, user.email).status_code == 302
    with app.app_context():
        assert db.session.get(Participant, device_id).user_id == user.id
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_another_accounts_device_is_not_merged(app):
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    shared = AuthActions(app, app.test_client())
    first = shared.create_user("citizen")
    second = shared.create_user("citizen")
    assert login(shared, first.email).status_code == 302
    vote(shared, issue_id, statement_id, "agree")
    first_pid = shared.client.get("/api/v1/session").get_json()["participant_id"]
    # Logged out without clearing the cookie (e.g. the session expired), then someone else logs in.
    shared.logout()
    assert login(shared, second.email).status_code == 302
    assert current_votes(app, first_pid) == {statement_id: 1}
    assert shared.client.get("/api/v1/session").get_json()["participant_id"] != first_pid


def test_merge_is_one_transaction(app, monkeypatch):
    from app.services.participation import merge

    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    laptop = AuthActions(app, app.test_client())
    user = laptop.create_user("citizen")
    login(laptop, user.email)
    vote(laptop, issue_id, statement_id, "agree")
    phone = AuthActions(app, app.test_client())
    vote(phone, issue_id, statement_id, "disagree")
    device_id = phone.client.get("/api/v1/session").get_json()["participant_id"]

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(merge, "_move_exclusions", broken)  # fails after the votes were moved
    with pytest.raises(RuntimeError):
        login(phone, user.email)
    assert current_votes(app, device_id) == {statement_id: -1}  # all rolled back


def test_concurrent_changes_of_one_vote_keep_vote_and_events_in_step(app):
    """Many threads change one participant's vote on one statement at once.

    On PostgreSQL (``TEST_DATABASE_URL``, as `make test` runs it) the writers really overlap and
    the row lock orders them; on SQLite the one write lock does.
    """
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    participant_id = make_participant(app)
    values = [VoteValue.AGREE, VoteValue.DISAGREE, VoteValue.PASS]
    start = threading.Barrier(12)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with app.test_request_context():
                start.wait()
                for round_ in range(10):
                    value = values[(n + round_) % 3]
                    record_vote(Ballot(issue_id, statement_id, value), participant_id)
                    db.session.commit()  # the caller commits, as the API does
                db.session.remove()
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 1
        assert db.session.scalar(select(func.count()).select_from(VoteEvent)) == 120
    assert current_votes(app, participant_id) == latest_events(app, participant_id)


def test_a_change_racing_a_repeat_leaves_the_latest_event_equal_to_the_vote(app):
    """A changes agree→disagree and has written its event, not yet committed; B repeats "agree".

    Without a row lock B would read the committed "agree", record an unchanged vote and an
    "agree" event after A's: the vote says disagree, the log's latest says agree. With it, B
    waits for A and then changes the vote back: both say agree.
    """
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Night buses")
    participant_id = make_participant(app)
    with app.test_request_context():
        record_vote(Ballot(issue_id, statement_id, VoteValue.AGREE), participant_id)
        db.session.commit()
        engine = db.engine
    a_paused, release_a, b_started = threading.Event(), threading.Event(), threading.Event()

    def after(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name == "A" and statement.startswith("INSERT INTO vote_event"):
            a_paused.set()
            release_a.wait(timeout=60)  # until B is on its way (a safety net, not a measurement)

    def before(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name == "B" and statement.startswith("INSERT INTO vote "):
            b_started.set()

    outcomes = {}

    def cast(name: str, value: VoteValue) -> None:
        with app.test_request_context():
            outcomes[name] = record_vote(Ballot(issue_id, statement_id, value), participant_id).outcome.value
            db.session.commit()
            db.session.remove()

    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "before_cursor_execute", before)
    try:
        a = threading.Thread(target=cast, args=("A", VoteValue.DISAGREE), name="A")
        a.start()
        a_paused.wait(timeout=60)
        b = threading.Thread(target=cast, args=("B", VoteValue.AGREE), name="B")
        b.start()
        b_started.wait(timeout=60)
        release_a.set()
        a.join()
        b.join()
    finally:
        event.remove(engine, "after_cursor_execute", after)
        event.remove(engine, "before_cursor_execute", before)
    assert outcomes == {"A": "changed", "B": "changed"}
    assert current_votes(app, participant_id) == latest_events(app, participant_id) == {statement_id: 1}
