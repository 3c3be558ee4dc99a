"""Webhook URLs may only point at the public internet (no loopback, private or link-local hosts).

The host is resolved and every address it resolves to is checked, when the webhook is created
and again before each delivery (a name can be re-pointed later). ``AGORA_WEBHOOK_ALLOW_PRIVATE=1``
lifts the rule for tests and on-premises receivers.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from app.exceptions import AgoraError


def _refused(message: str) -> AgoraError:
    return AgoraError("webhook_url_refused", message, 400)


def check_url(url: str) -> list[str]:
    """The addresses ``url``'s host resolves to, or a 400 when the URL is malformed or not public."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refused(_("The webhook URL is not valid.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refused(_("The webhook URL must start with http:// or https:// and name a host."))
    if parts.username or parts.password:
        raise _refused(_("The webhook URL must not contain a user name or password."))
    try:
        infos = socket.getaddrinfo(
            parts.hostname, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        raise _refused(_("The webhook URL's host name cannot be resolved.")) from None
    addresses = sorted({info[4][0] for info in infos})
    if current_app.config.get("AGORA_WEBHOOK_ALLOW_PRIVATE"):
        return addresses
    for address in addresses:
        if not is_public(address):
            raise _refused(
                _(
                    "Webhooks cannot be sent to loopback, private or link-local addresses (%(address)s).",
                    address=address,
                )
            )
    return addresses


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_loopback or ip.is_link_local or ip.is_private)
