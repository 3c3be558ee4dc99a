"""Configuration read from environment variables, with safe defaults for the embedded setup."""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def _shipped(name: str) -> Path:
    """A top-level folder of the repository (templates, static, migrations), wherever it is.

    An installed package carries it inside `app/` (setup.py); a source checkout has it at the top.
    """
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PROJECT_ROOT / name


TEMPLATES_DIR = _shipped("templates")
STATIC_DIR = _shipped("static")
MIGRATIONS_DIR = _shipped("migrations")
INSTALLED = TEMPLATES_DIR.parent == PACKAGE_DIR
# A source checkout keeps its data in instance/ next to app/; an installed package in
# <prefix>/var/agora-instance (Flask's convention), never inside site-packages.
INSTANCE_PATH = Path(
    os.environ.get("AGORA_INSTANCE_PATH")
    or (Path(sys.prefix) / "var" / "agora-instance" if INSTALLED else PROJECT_ROOT / "instance")
)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    # Owner-only permissions: the key signs every participant cookie. Written to a private
    # temporary file and hard-linked into place, because several processes may start at once:
    # the first link wins and the others read the complete key it wrote.
    fd, tmp_name = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    try:
        os.link(tmp_name, key_file)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp_name)
    return key_file.read_text().strip()


def _engine_options(database_url: str) -> dict[str, object]:
    """PostgreSQL: each process's pool, sized for its busy moments rather than for its threads.

    A request waits at most DATABASE_POOL_TIMEOUT seconds for a free connection and a new
    connection at most DATABASE_CONNECT_TIMEOUT seconds for the server; past either it is a 503
    to retry (app/ops/overload.py), never a request that hangs while the database restarts.
    ``pool_pre_ping`` replaces a connection the server closed (a restart) before it is used.
    SQLite's pool is set in app/database.py.
    """
    options: dict[str, object] = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        options.update(
            pool_size=int(os.environ.get("DATABASE_POOL_SIZE", "10")),
            max_overflow=int(os.environ.get("DATABASE_MAX_OVERFLOW", "10")),
            pool_timeout=float(os.environ.get("DATABASE_POOL_TIMEOUT", "5")),
            connect_args={"connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))},
        )
    return options


def _ratelimit_storage_options(uri: str, threads: int) -> dict[str, object]:
    """Redis: one connection per request thread at most (redis-py's default pool stops at 100 and
    then raises), and short timeouts, so that a Redis restart is a quick 503 rather than a hang."""
    if not uri.startswith(("redis", "rediss")):
        return {}
    return {"max_connections": threads + 16, "socket_timeout": 2, "socket_connect_timeout": 2}


def load_config(instance_path: Path = INSTANCE_PATH) -> dict[str, object]:
    """Build the Flask config mapping from the environment."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'agora.sqlite3'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs; SQLAlchemy wants the dialect name.
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    ratelimit_storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    web_threads = int(os.environ.get("WEB_THREADS", "1000"))
    public_base_url = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Served over HTTPS (PUBLIC_BASE_URL says so): cookies only over HTTPS, unless set explicitly.
    secure_cookies = _bool("SESSION_COOKIE_SECURE", public_base_url.startswith("https://"))
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        # Socket.IO: None in the embedded default; a redis:// URL when several web processes run.
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Starts every Redis key and the Socket.IO channel: deployments (or test runs) sharing one
        # Redis server keep apart by giving each its own.
        "REDIS_KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", "agora"),
        # Where the opinion map is recomputed: "embedded" (a background task of the web process)
        # or "external" (a separate `agora worker` process).
        "CLUSTERING_MODE": os.environ.get("CLUSTERING_MODE", "embedded"),
        # 0.5 s: under a steady stream of votes a vote waits up to one interval for the next
        # recompute, and 1 s could not keep p95 vote -> map under 1 s (README, "Live opinion map").
        "CLUSTERING_MIN_INTERVAL": float(os.environ.get("CLUSTERING_MIN_INTERVAL", "0.5")),
        # Live maps the recomputing process keeps in memory (the most recently recomputed issues).
        "CLUSTERING_LIVE_MAPS": int(os.environ.get("CLUSTERING_LIVE_MAPS", "16")),
        "BABEL_DEFAULT_LOCALE": os.environ.get("BABEL_DEFAULT_LOCALE", "zh_TW"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "Asia/Taipei"),
        "AGORA_LANGUAGES": ["zh_TW", "en"],
        "DISPLAY_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "Asia/Taipei"),
        "RATELIMIT_STORAGE_URI": ratelimit_storage,
        "RATELIMIT_STORAGE_OPTIONS": _ratelimit_storage_options(ratelimit_storage, web_threads),
        # `agora serve`'s request threads (app/commands/serve.py); the Redis pools are sized for them.
        "WEB_THREADS": web_threads,
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Flask-Limiter syntax; per participant (see app/services/rate_limits.py).
        "AGORA_STATEMENT_RATE_LIMIT": os.environ.get("AGORA_STATEMENT_RATE_LIMIT", "10 per minute;100 per day"),
        "AGORA_VOTE_RATE_LIMIT": os.environ.get("AGORA_VOTE_RATE_LIMIT", "120 per minute"),
        # New participants per client address (app/services/participation/newcomers.py); an event on
        # shared Wi-Fi raises it.
        "AGORA_NEW_PARTICIPANT_RATE_LIMIT": os.environ.get("AGORA_NEW_PARTICIPANT_RATE_LIMIT", "100 per hour"),
        # Failed logins per account (per address: AGORA_LOGIN_ADDRESS_RATE_LIMIT).
        "AGORA_LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("AGORA_LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes"),
        "AGORA_LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("AGORA_LOGIN_ADDRESS_RATE_LIMIT", "20 per minute"),
        # Password hashes computed at once (argon2 takes memory and a core each); more wait, then 503.
        "PASSWORD_HASH_CONCURRENCY": int(os.environ.get("PASSWORD_HASH_CONCURRENCY", "2")),
        # Links in account emails: verification and password reset, in seconds.
        "EMAIL_VERIFICATION_MAX_AGE": int(os.environ.get("EMAIL_VERIFICATION_MAX_AGE", str(7 * 24 * 3600))),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600")),
        # Socket.IO `vote_counts` broadcasts: at most one per issue per this many seconds.
        "VOTE_COUNTS_MIN_INTERVAL": float(os.environ.get("VOTE_COUNTS_MIN_INTERVAL", "0.5")),
        # Seconds a form's CSRF token stays valid (a working day); see app/security/sessions.py.
        "WTF_CSRF_TIME_LIMIT": int(os.environ.get("WTF_CSRF_TIME_LIMIT", str(8 * 60 * 60))),
        "REMEMBER_COOKIE_SECURE": _bool("REMEMBER_COOKIE_SECURE", True),
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The cookie is signed and sent again only when the session changes, not on every request
        # (every vote re-signed it: a cost in the vote path, README "Running at scale").
        "SESSION_REFRESH_EACH_REQUEST": _bool("SESSION_REFRESH_EACH_REQUEST", False),
        "SESSION_COOKIE_SECURE": secure_cookies,
        # Proxies in front of the app (nginx: 1) whose X-Forwarded-* headers are believed (app/ops/proxy.py).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 365,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "agora@localhost"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
        "MAIL_POLL_INTERVAL": float(os.environ.get("MAIL_POLL_INTERVAL", "2")),
        "PUBLIC_BASE_URL": public_base_url,
        "BACKGROUND_WORKERS": _bool("BACKGROUND_WORKERS", True),
        # False where `agora send-mail --loop` and `agora send-webhooks --loop` run on their own.
        "BACKGROUND_SENDERS": _bool("BACKGROUND_SENDERS", True),
    }
