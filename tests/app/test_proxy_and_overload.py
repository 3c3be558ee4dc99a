"""Behind nginx (TRUSTED_PROXIES, ProxyFix, secure cookies) and under overload (503, never 500)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import request

from app import create_app
from app.config import load_config
from app.extensions import db, limiter
from tests.support.issues import make_issue, make_statement


@pytest.fixture
def make_app(app, app_config):
    """create_app with extra settings; every engine it made is closed afterwards (and ``app``
    empties the tables)."""
    made = []

    def make(**settings):
        made.append(create_app({**app_config, **settings}))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _app_seeing_clients(make_app, proxies: int):
    """An app with TRUSTED_PROXIES=proxies and a route limited to 2 a minute per client address."""
    app = make_app(TRUSTED_PROXIES=proxies, RATELIMIT_ENABLED=True)

    @limiter.limit("2 per minute")
    def whoami():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    app.add_url_rule("/test-whoami", view_func=whoami)
    return app


@pytest.mark.parametrize("proxies", [0, 1])
def test_trusted_proxies_decide_whose_address_counts(make_app, proxies):
    app = _app_seeing_clients(make_app, proxies)
    client = app.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "agora.example"}
    seen = client.get("/test-whoami", headers=forwarded).get_json()
    if proxies:
        assert seen == {"addr": "203.0.113.7", "scheme": "https", "host": "agora.example"}
    else:  # nobody is trusted: a client cannot pick its own address
        assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}

    # The per-address limit: a second client behind the same proxy has a bucket of its own.
    assert client.get("/test-whoami", headers=forwarded).status_code == 200
    assert client.get("/test-whoami", headers=forwarded).status_code == 429
    other = client.get("/test-whoami", headers={"X-Forwarded-For": "198.51.100.9"})
    assert other.status_code == (200 if proxies else 429)


def test_only_the_last_trusted_hops_count(make_app):
    """With one proxy, an address the client wrote itself before nginx's is ignored."""
    app = _app_seeing_clients(make_app, 1)
    seen = app.test_client().get("/test-whoami", headers={"X-Forwarded-For": "10.0.0.1, 203.0.113.7"}).get_json()
    assert seen["addr"] == "203.0.113.7"


@pytest.mark.parametrize(("base_url", "secure"), [("https://agora.gov.tw", True), ("http://127.0.0.1:5000", False)])
def test_secure_cookies_follow_the_public_scheme(monkeypatch, tmp_path, base_url, secure):
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is secure
    assert config["REMEMBER_COOKIE_SECURE"] is True  # issue 14: the remember-me cookie is always Secure
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")  # an explicit setting wins
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is False


def test_session_cookie_is_secure_behind_https(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True, TRUSTED_PROXIES=1)
    answer = app.test_client().get("/api/v1/session", headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" in answer.headers["Set-Cookie"]


def _vote(client, issue_id, statement_id):
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    return client.post(
        f"/api/v1/issues/{issue_id}/votes",
        json={"statement_id": statement_id, "vote": "agree"},
        headers={"X-CSRFToken": token},
    )


def test_no_free_database_connection_is_a_503_to_retry(make_app):
    engine_options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2, "pool_pre_ping": False}
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=engine_options, TESTING=False)
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Buses should run all night.")
    client = app.test_client()
    assert _vote(client, issue_id, statement_id).status_code == 201
    with app.app_context():
        engine = db.engine
    with engine.connect():  # the pool's only connection, held elsewhere
        answer = client.get(f"/api/v1/issues/{issue_id}", headers={"Accept-Language": "en"})
        assert answer.status_code == 503
        assert answer.headers["Retry-After"].isdigit()
        assert answer.get_json()["error"]["code"] == "unavailable"
        zh = client.get("/api/v1/issues", headers={"Accept-Language": "zh-TW"})
        assert zh.status_code == 503 and zh.get_json()["error"]["message"] != answer.get_json()["error"]["message"]


def test_unreachable_rate_limit_storage_is_a_503_to_retry(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0", TESTING=False)
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Buses should run all night.")
    answer = _vote(app.test_client(), issue_id, statement_id)
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["code"] == "unavailable"


def test_one_redis_server_serves_deployments_apart(tmp_path):
    """REDIS_KEY_PREFIX names the Socket.IO channel, the dirty-issue keys and the rate-limit keys.

    In a process of its own: an app with a message queue leaves its queue on the shared SocketIO
    object for every app created after it in the same process.
    """
    probe = (
        "from app import create_app; from app.services.opinion.scheduler import make_dirty_issues; "
        "app = create_app(); dirty = make_dirty_issues(app); "
        "print(app.extensions['socketio'].server.manager.channel, dirty.set_key, dirty.wake_key, "
        "app.config['RATELIMIT_KEY_PREFIX'])"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTEST_"))},
        "REDIS_KEY_PREFIX": "ministry-a",
        "CLUSTERING_MODE": "external",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0",
        "AGORA_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "probe",
    }
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    channel, set_key, wake_key, limiter_prefix = out.stdout.split()
    assert channel == "ministry-a-socketio" and limiter_prefix == "ministry-a"
    assert set_key.startswith("ministry-a:") and wake_key.startswith("ministry-a:")
