"""Declaring API v1 endpoints once: ``@endpoint`` validates the request with its schemas, enforces
the token scope, and is what the OpenAPI 3.1 document (``/api/v1/openapi.json``) is built from."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, abort, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError

from app.api import schemas
from app.api.helpers import json_body
from app.auth.decorators import refuse_unless
from app.exceptions import AgoraError
from app.models import Role, TokenScope
from app.services.integrations.bearer import SAFE_METHODS, require_scope

#: Who may call an operation; documented as its security requirement.
PUBLIC, PARTICIPANT, STAFF = "public", "participant", "staff"

ERROR_DESCRIPTIONS = {
    400: "The request is not valid (see error.code).",
    401: "Not logged in, or the bearer token is missing, wrong or revoked.",
    403: "Not allowed for this user or token scope.",
    404: "Not found.",
    409: "Conflicts with what is stored.",
    415: "The body is not JSON.",
    429: "Rate limited (per participant, per token).",
}


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    responses: dict[int, Any]
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    auth: str = PUBLIC
    scope: TokenScope | None = None
    errors: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def endpoint(
    summary: str,
    *,
    tag: str,
    responses: dict[int, Any],
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    auth: str = PUBLIC,
    scope: TokenScope | None = None,
    errors: tuple[int, ...] = (),
) -> Callable:
    """Document a view and validate its JSON body (passed as ``body=``) and query (``query=``)."""
    operation = Operation(summary, tag, responses, body, query, auth, scope, errors)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if auth == STAFF and refuse_unless(Role.FACILITATOR) is not None:
                abort(401)  # (refuse_unless already answers 401/403 to JSON clients)
            if request.method not in SAFE_METHODS:
                require_scope(scope or TokenScope.WRITE)
            elif scope is not None:
                require_scope(scope)
            if body is not None:
                kwargs["body"] = load(body, json_body())
            if query is not None:
                kwargs["query"] = load(query, request.args.to_dict())
            return view(*args, **kwargs)

        wrapped.openapi_operation = operation  # type: ignore[attr-defined]
        return wrapped

    return decorator


def load(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` validated by ``schema``, or a 400 naming the first wrong field."""
    try:
        return schema().load(data)
    except ValidationError as error:
        name = next(iter(error.messages)) if isinstance(error.messages, dict) else ""
        declared = schema().fields.get(str(name))
        meta = declared.metadata if declared is not None else {}
        message = meta.get("error_message") or _("The field “%(name)s” is missing or not valid.", name=name)
        raise AgoraError(meta.get("error_code", "invalid_request"), str(message), 400) from None


def operation_of(view: Callable) -> Operation | None:
    while view is not None:
        found = getattr(view, "openapi_operation", None)
        if found is not None:
            return found
        view = getattr(view, "__wrapped__", None)
    return None


_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Flask rule as an OpenAPI path with its path parameters."""
    parameters = []
    for match in _RULE_ARGUMENT.finditer(rule):
        converter = match["converter"] or "string"
        schema = (
            {"type": "integer", "minimum": 1, "maximum": schemas.MAX_ID} if converter == "int" else {"type": "string"}
        )
        parameters.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
    return _RULE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule), parameters


def _security(auth: str) -> list[dict[str, list]]:
    if auth == PUBLIC:
        return [{}, {"bearerAuth": []}, {"cookieSession": []}]
    if auth == PARTICIPANT:  # anonymous participants have a cookie session; tokens act as their user
        return [{"bearerAuth": []}, {"cookieSession": [], "csrfHeader": []}]
    return [{"bearerAuth": []}, {"cookieSession": [], "csrfHeader": []}]


def _content(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def build_document(app: Flask, prefix: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every documented route under ``prefix``."""
    spec = APISpec(
        title="Agora API",
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                'Agora\'s JSON API. Errors are always `{"error": {"code", "message"}}`, the message translated '
                "per Accept-Language (zh-TW, en). Authenticate with `Authorization: Bearer <token>` (create one "
                "with `agora create-token` or on the account's API tokens page; no cookie and no CSRF token), or "
                "with the session cookie of `GET /api/v1/session` plus its CSRF token in `X-CSRFToken` for writes."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
    )
    spec.components.schema("Error", schema=schemas.Error)
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "description": "API token"})
    spec.components.security_scheme("cookieSession", {"type": "apiKey", "in": "cookie", "name": "session"})
    spec.components.security_scheme("csrfHeader", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"})
    for status, description in ERROR_DESCRIPTIONS.items():
        spec.components.response(f"Error{status}", {"description": description, "content": _content("Error")})

    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(prefix):
            continue
        operation = operation_of(app.view_functions[rule.endpoint])
        if operation is None:
            continue
        path, parameters = openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            view = app.view_functions[rule.endpoint]
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, method, operation, parameters, view)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(endpoint_name: str, method: str, operation: Operation, parameters: list, view) -> dict[str, Any]:
    view_doc = inspect.getdoc(view) or ""
    responses: dict[str, Any] = {}
    for status, schema in operation.responses.items():
        description = {200: "OK", 201: "Created", 204: "No content"}.get(status, "OK")
        responses[str(status)] = {"description": description}
        if isinstance(schema, tuple):  # (media type, a plain JSON schema)
            responses[str(status)]["content"] = {schema[0]: {"schema": schema[1]}}
        elif schema is not None:
            responses[str(status)]["content"] = _content(schema)
    errors = set(operation.errors) | {401}  # any request may carry a wrong bearer token
    if method not in SAFE_METHODS:
        errors |= {400, 403, 429}
    if operation.body is not None:
        errors |= {400, 415}
    if operation.auth != PUBLIC or operation.scope is not None:
        errors |= {403}
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    result: dict[str, Any] = {
        "operationId": endpoint_name.replace(".", "_"),
        "summary": operation.summary,
        "tags": [operation.tag],
        "parameters": list(parameters),
        "responses": responses,
        "security": _security(operation.auth),
    }
    if operation.query is not None:
        result["parameters"].append({"in": "query", "schema": operation.query})
    if operation.body is not None:
        result["requestBody"] = {"required": True, "content": _content(operation.body)}
    if view_doc:
        result["description"] = view_doc
    return result
