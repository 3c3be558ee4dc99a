"""Personal API tokens: created once (shown once), stored as a SHA-256, revoked, looked up per request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.exceptions import AgoraError
from app.extensions import db
from app.models import ApiToken, TokenScope, User, utcnow

TOKEN_PREFIX = "agora_"
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str, scope: TokenScope | str = TokenScope.WRITE) -> tuple[ApiToken, str]:
    """A new token for ``user`` (not committed) and its plain text, which is never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AgoraError("token_name_invalid", _("Give the token a name of at most 100 characters."), 400)
    try:
        scope = TokenScope(scope)
    except ValueError:
        raise AgoraError("token_scope_invalid", _("The scope must be read, write or admin."), 400) from None
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, scope=scope, token_hash=hash_token(plain), prefix=plain[: len(TOKEN_PREFIX) + 6]
    )
    db.session.add(token)
    db.session.flush()
    return token, plain


def tokens_of(user_id: int) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))


def revoke_token(user_id: int, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (not committed); 404 for anyone else's."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise AgoraError("token_not_found", _("We could not find that token."), 404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def authenticate(plain: str) -> ApiToken | None:
    """The live token for ``plain``, or None; refreshes ``last_used_at`` in its own small commit."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Before the view's own unit of work starts, so that one still commits alone.
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token
