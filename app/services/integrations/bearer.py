"""``Authorization: Bearer <token>`` for /api/v1: the request acts as the token's user.

The check runs before every other ``before_request`` hook, CSRF's included: a bearer token is
never sent by a browser on its own, so a request carrying one needs no CSRF token, while cookie
sessions still do. A request with a bearer token writes no session cookie.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from limits import parse

from app.exceptions import AgoraError
from app.extensions import csrf, limiter
from app.models import TokenScope
from app.services.integrations.tokens import authenticate

API_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def authenticate_bearer() -> None:
    if not request.path.startswith(API_PREFIX) or "Authorization" not in request.headers:
        return
    plain = bearer_token()
    token = authenticate(plain) if plain else None
    if token is None:
        raise AgoraError("invalid_token", _("The API token is missing, wrong or revoked."), 401)
    if request.method not in SAFE_METHODS and token.scope is TokenScope.READ:
        raise AgoraError("insufficient_scope", _("This API token may only read."), 403)
    g.api_token_id = token.id
    g.api_token_scope = token.scope
    g._login_user = token.user  # Flask-Login's current_user for this request only
    g.csrf_valid = True
    _limit_per_token(token.id)


def _limit_per_token(token_id: int) -> None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = parse(current_app.config["AGORA_API_TOKEN_RATE_LIMIT"])
    if not limiter.limiter.hit(item, "api-token", str(token_id)):
        abort(429)


def require_scope(scope: TokenScope) -> None:
    """Refuse a bearer request whose token lacks ``scope`` (cookie sessions pass: roles decide)."""
    held = g.get("api_token_scope")
    if held is None:
        return
    order = [TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN]
    if order.index(held) < order.index(scope):
        raise AgoraError("insufficient_scope", _("This API token's scope does not allow this."), 403)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, which bearer requests never write and embeds send cross-site.

    In an embed on HTTPS the cookie must reach a third-party iframe: ``SameSite=None; Secure;
    Partitioned`` (CHIPS), so it lives in a jar of the embedding site's own.
    """

    def save_session(self, app, session, response) -> None:
        if g.get("api_token_id") is not None:
            return
        if session.get("embed"):
            g.embed_cookie = True
        super().save_session(app, session, response)

    def _embedded(self) -> bool:
        return bool(request.is_secure and g.get("embed_cookie", False))

    def get_cookie_samesite(self, app):
        return "None" if self._embedded() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app) -> bool:
        return True if self._embedded() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app) -> bool:
        return True if self._embedded() else super().get_cookie_partitioned(app)


def protect_csrf() -> None:
    """Flask-WTF's check for every request except those a bearer token authenticated."""
    if not current_app.config["WTF_CSRF_ENABLED"] or g.get("api_token_id") is not None:
        return
    csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    # CSRFProtect's own hook checks every request; Flask-WTF's documented way to make that
    # conditional is to switch the default off and call protect() from a hook of one's own.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks[0:0] = [authenticate_bearer, protect_csrf]  # before any other hook may write
