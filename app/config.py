"""Configuration read from environment variables, with safe defaults for the embedded setup."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("AGORA_INSTANCE_PATH", PROJECT_ROOT / "instance"))


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


def load_config(instance_path: Path = INSTANCE_PATH) -> dict[str, object]:
    """Build the Flask config mapping from the environment."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'agora.sqlite3'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs; SQLAlchemy wants the dialect name.
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Socket.IO: None in the embedded default; a redis:// URL when several web processes run.
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Where the opinion map is recomputed: "embedded" (a background task of the web process)
        # or "external" (a separate `agora worker` process).
        "CLUSTERING_MODE": os.environ.get("CLUSTERING_MODE", "embedded"),
        "CLUSTERING_MIN_INTERVAL": float(os.environ.get("CLUSTERING_MIN_INTERVAL", "1.0")),
        "BABEL_DEFAULT_LOCALE": os.environ.get("BABEL_DEFAULT_LOCALE", "zh_TW"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "Asia/Taipei"),
        "AGORA_LANGUAGES": ["zh_TW", "en"],
        "DISPLAY_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "Asia/Taipei"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Flask-Limiter syntax; per participant (see app/services/rate_limits.py).
        "AGORA_STATEMENT_RATE_LIMIT": os.environ.get("AGORA_STATEMENT_RATE_LIMIT", "10 per minute;100 per day"),
        "AGORA_VOTE_RATE_LIMIT": os.environ.get("AGORA_VOTE_RATE_LIMIT", "120 per minute"),
        # Socket.IO `vote_counts` broadcasts: at most one per issue per this many seconds.
        "VOTE_COUNTS_MIN_INTERVAL": float(os.environ.get("VOTE_COUNTS_MIN_INTERVAL", "0.5")),
        # Seconds a form's CSRF token stays valid (a working day); see app/security/sessions.py.
        "WTF_CSRF_TIME_LIMIT": int(os.environ.get("WTF_CSRF_TIME_LIMIT", str(8 * 60 * 60))),
        "REMEMBER_COOKIE_SECURE": _bool("REMEMBER_COOKIE_SECURE", True),
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 365,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "agora@localhost"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
        "MAIL_POLL_INTERVAL": float(os.environ.get("MAIL_POLL_INTERVAL", "2")),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "BACKGROUND_WORKERS": _bool("BACKGROUND_WORKERS", True),
    }
