"""Request parsing shared by the API views."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _

from app.exceptions import AgoraError


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400/415 the client can act on."""
    if not request.is_json:
        raise AgoraError("unsupported_media_type", _("Send the request as JSON (Content-Type: application/json)."), 415)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise AgoraError("malformed_json", _("The request body is not a valid JSON object."), 400)
    return data
