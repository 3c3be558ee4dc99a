"""Handlers that turn exceptions into a fitting status with a message the user can act on."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.errors import bp
from app.exceptions import AgoraError
from app.extensions import db


def wants_json() -> bool:
    """API paths always get JSON; elsewhere, clients that prefer JSON get it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(code: str, message: str, status: int):
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    return render_template("errors/error.html", code=code, message=message, status=status), status


_HTTP_MESSAGES = {
    400: ("bad_request", lambda: _("The request could not be understood.")),
    401: ("unauthorized", lambda: _("Please log in to do this.")),
    403: ("forbidden", lambda: _("You do not have permission to do this.")),
    404: ("not_found", lambda: _("We could not find that page.")),
    405: ("method_not_allowed", lambda: _("That action is not allowed here.")),
    413: ("too_large", lambda: _("The request is too large.")),
    415: ("unsupported_media_type", lambda: _("Send the request as JSON.")),
    429: ("rate_limited", lambda: _("Too many requests. Please wait a moment and try again.")),
}


@bp.app_errorhandler(AgoraError)
def handle_agora_error(error: AgoraError):
    db.session.rollback()
    return error_response(error.code, error.message, error.status)


@bp.app_errorhandler(CSRFError)
def handle_csrf_error(error: CSRFError):
    db.session.rollback()
    return error_response(
        "csrf_failed",
        _("Your session's security token is missing or wrong. Reload the page and try again."),
        400,
    )


@bp.app_errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    code, message = _HTTP_MESSAGES.get(status, ("error", lambda: error.description or ""))
    return error_response(code, message(), status)


@bp.app_errorhandler(Exception)
def handle_unexpected_error(error: Exception):
    db.session.rollback()
    if current_app.testing:
        raise error  # let the test see the real traceback
    current_app.logger.exception("Unhandled error")
    return error_response("server_error", _("Something went wrong on our side. Please try again."), 500)
