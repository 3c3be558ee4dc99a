"""Security headers on every response, from one ``after_request`` hook.

Content-Security-Policy: scripts, styles, fonts and connections from this site only, no inline
script or style (templates load files from ``static/``; JSON data for scripts sits in
``<script type="application/json">``, which is never executed). Images may also come from
https: (staff documents may show them; citizen Markdown has none, see app/services/markdown.py).
Nothing may frame Agora (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``) unless the
view sets ``flask.g.csp_frame_ancestors`` to the origins allowed to embed it (issue 13's embeds).
HSTS is sent only over HTTPS, as browsers ignore it otherwise and a development server on
http://127.0.0.1 must stay reachable.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

HSTS = "max-age=31536000; includeSubDomains"
REFERRER_POLICY = "same-origin"
_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def _frame_ancestors() -> str:
    origins = getattr(g, "csp_frame_ancestors", None) or []
    clean = [origin for origin in origins if isinstance(origin, str) and origin and not set(origin) & set(" ;,'\"")]
    return " ".join(clean) if clean else "'none'"


def content_security_policy() -> str:
    """The policy for this response (``frame-ancestors`` depends on the view)."""
    return "; ".join((*_POLICY, f"frame-ancestors {_frame_ancestors()}"))


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not getattr(g, "csp_frame_ancestors", None):
        response.headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
