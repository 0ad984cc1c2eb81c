"""Schemathesis against the app's own OpenAPI schema, in process: no input may cause a 5xx.

Every operation is covered, web pages and feeds included (they are in the
schema too). Examples are bounded so the whole file runs in well under 3 minutes.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from gongbao.http import create_app

MAX_EXAMPLES = 30


@pytest.fixture(scope="module")
def api_schema(hostile_db):
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(str(hostile_db)))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case):
    # Only 5xx is checked: 4xx answers to malformed input are the point.
    case.call_and_validate(checks=[not_a_server_error])


LAYER_OPERATIONS = (
    "/api/layers/{layer}", "/api/documents/{document_id}/citations", "/api/documents/{document_id}/validity",
    "/api/people", "/api/people/{name}", "/api/units/{name}", "/api/tasks", "/api/hazards", "/api/duties",
    "/api/groups", "/api/groups/{name}",
    "/people", "/people/{name}", "/units/{name}", "/tasks", "/hazards", "/duties", "/groups", "/groups/{name}",
    "/source/{gazette_id}",
)


def test_layer_endpoints_and_pages_are_fuzzed(api_schema):
    """The layer API and pages are in the schema the test above walks, with their parameters."""
    paths = {operation.path for operation in (result.ok() for result in api_schema.get_all_operations())}
    missing = [path for path in LAYER_OPERATIONS if path not in paths]
    assert not missing, missing
