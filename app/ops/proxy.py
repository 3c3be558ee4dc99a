"""Running behind nginx: the client's address and scheme from the proxy's headers.

Without this, behind nginx every request comes from nginx's address: every per-address rate limit
(login, registration, following, new participants) becomes one bucket for the whole site, and the
logs see one client. ``TRUSTED_PROXIES`` is how many proxies stand in front of the app (0, the
default, trusts no header: a client could otherwise claim any address); each one appends to
X-Forwarded-For, and ProxyFix takes the entry that many places from the end.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
