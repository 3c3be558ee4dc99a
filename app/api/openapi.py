"""API v1: its own OpenAPI 3.1 document, and a readable reference (Redoc, vendored in static/)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template

from app.api import bp
from app.api.spec import build_document, endpoint

_CACHE_KEY = "agora.openapi"


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
    return render_template("api/docs.html")
