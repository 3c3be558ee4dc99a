"""API v1: its own OpenAPI 3.1 document, and a readable reference (Swagger UI, vendored in static/)."""

from __future__ import annotations

from flask import current_app, jsonify, make_response, render_template

from app.api import bp
from app.api.spec import build_document, endpoint

_CACHE_KEY = "agora.openapi"
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


@bp.get("/openapi.json")
@endpoint("This OpenAPI document", tag="reference", responses={200: ("application/json", {"type": "object"})})
def openapi_document():
    """The OpenAPI 3.1 document, generated from the routes and their schemas (built once per process)."""
    document = current_app.extensions.get(_CACHE_KEY)
    if document is None:
        document = current_app.extensions[_CACHE_KEY] = build_document(current_app)
    return jsonify(document)


@bp.get("/docs")
@endpoint("The API reference (HTML)", tag="reference", responses={200: ("text/html", {"type": "string"})})
def docs():
    """The API reference for people."""
    response = make_response(render_template("api/docs.html"))
    # The app-wide security headers, where present, set the whole policy; this one says the same.
    response.headers.setdefault("Content-Security-Policy", DOCS_POLICY)
    return response
