"""The OpenAPI 3.1 document: generated from the routes, complete, matched by real responses; the
readable reference from vendored files; schemathesis finds no server error (bounded examples)."""

from __future__ import annotations

from pathlib import Path

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.config import PROJECT_ROOT
from app.extensions import db
from app.models import Issue, Role, Webhook
from app.services.report.frozen import ON_DEMAND, freeze
from tests.support.issues import make_issue, make_participant, make_statement, make_vote

PREFIX = "/api/v1"


def document(client) -> dict:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def rule_to_path(rule) -> str:
    import re

    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)


def test_document_is_openapi_31_with_error_shape_and_auth(client):
    spec = document(client)
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["schemas"]["Error"]["properties"]["error"]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "API token",
    }
    vote = spec["paths"][f"{PREFIX}/issues/{{issue_id}}/votes"]["post"]
    assert vote["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/VoteIn"}
    assert vote["responses"]["401"] == {"$ref": "#/components/responses/Error401"}
    assert {"bearerAuth": []} in vote["security"]


def test_every_api_route_is_in_the_document(app, client):
    """Iterates the app's URL map, so a route added anywhere under /api/v1 without ``@endpoint`` fails here."""
    paths = document(client)["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in paths.get(rule_to_path(rule), {}):
                missing.append(f"{method} {rule.rule}")
    assert missing == [], "Declare these with app.api.spec.endpoint: " + ", ".join(missing)


def test_reference_is_served_from_vendored_files(client):
    page = client.get(f"{PREFIX}/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    for asset in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css", "js/api_docs.js"):
        assert f"/static/{asset}" in html
        served = client.get(f"/static/{asset}")
        assert served.status_code == 200
        served.close()
    assert "https://" not in html and "//cdn" not in html
    vendored = Path(PROJECT_ROOT) / "static/vendor/swagger-ui"
    assert "Apache License" in (vendored / "LICENSE").read_text()
    assert "validatorUrl: null" in (Path(PROJECT_ROOT) / "static/js/api_docs.js").read_text()


@pytest.fixture
def world(app, auth, runner):
    """Rows for every GET to find, and an admin-scope token of a facilitator."""
    issue_id = make_issue(app, slug="buses")
    statement_id = make_statement(app, issue_id, "Night buses")
    make_vote(app, issue_id, make_participant(app), statement_id, 1)
    user = auth.create_user(Role.FACILITATOR)
    result = runner.invoke(args=["create-token", user.email, "--name", "t", "--scope", "admin"])
    token = result.output.strip().splitlines()[-1]
    with app.app_context():
        webhook = Webhook(url="https://8.8.8.8/x", events=["stage.changed"], secret="s")
        db.session.add(webhook)
        report = freeze(db.session.get(Issue, issue_id), ON_DEMAND)
        db.session.commit()
        webhook_id, report_id = webhook.id, report.id
    return {"issue_id": issue_id, "webhook_id": webhook_id, "token": token, "report_id": report_id, "name": "votes"}


def _validator(spec: dict, schema: dict):
    return jsonschema_rs.validator_for({**schema, "components": spec["components"]})


def test_real_responses_match_the_document(app, world):
    """Each documented GET and the writes answer with bodies their declared schema accepts."""
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": f"Bearer {world['token']}"}
    spec = document(client)
    checked = 0
    for path, operations in spec["paths"].items():
        url = path.format(**world)
        for method, operation in operations.items():
            body = None
            if method == "post" and path.endswith("/votes"):
                body = {"statement_id": 1, "vote": "agree"}
            elif method == "post" and path.endswith("/statements"):
                body = {"text": "Buses every ten minutes"}
            elif method == "post" and path.endswith("/webhooks"):
                body = {"url": "https://8.8.4.4/hook", "events": ["stage.changed"]}
            elif method != "get":
                continue
            response = client.open(url, method=method.upper(), json=body, headers=headers)
            declared = operation["responses"].get(str(response.status_code))
            assert declared is not None, f"{method.upper()} {url}: undeclared status {response.status_code}"
            if "$ref" in declared:
                declared = spec["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
            content = declared.get("content", {}).get("application/json")
            if content and response.mimetype == "application/json":
                _validator(spec, content["schema"]).validate(response.get_json())
                checked += 1
    assert checked >= 10


def test_a_response_that_drifts_from_its_schema_is_caught(app, world):
    spec = document(app.test_client())
    schema = spec["paths"][f"{PREFIX}/issues/{{issue_id}}"]["get"]["responses"]["200"]["content"]["application/json"]
    good = app.test_client().get(f"{PREFIX}/issues/{world['issue_id']}").get_json()
    _validator(spec, schema["schema"]).validate(good)
    with pytest.raises(jsonschema_rs.ValidationError):
        _validator(spec, schema["schema"]).validate({**good, "counts": {"votes": "many"}})


def test_schemathesis_finds_no_server_error(app, world):
    """Generated requests for every operation (bounded examples each), as a facilitator's admin token."""
    app.config["TESTING"] = False  # an unhandled error becomes its 500 answer, which the check then sees
    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)
    headers = {"Authorization": f"Bearer {world['token']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        check()


EXAMPLES = 20
