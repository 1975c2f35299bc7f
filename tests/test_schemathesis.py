"""The whole API fuzzed against its OpenAPI document (issue 15): schemathesis generates requests
for every operation from grants/data/openapi.yaml, valid and not, sends them with the token of
an applicant and of staff, and checks that none is answered with a 5xx and that every answer
has a status the document lists for it and a body of the shape it promises.

The number of examples is bounded (and the generation derandomised) so that the suite keeps to
its time on both databases; the run is the same on every machine."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


# Each case is sent by an applicant and by each kind of staff that handles money.
CALLERS = ("applicant", "admin", "finance", "approver")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_5xx_and_every_answer_matches_the_document(case, world):
    for caller in CALLERS:
        response = case.call(headers={"Authorization": f"Bearer {getattr(world, caller).token}"})
        case.validate_response(response, checks=CHECKS)
