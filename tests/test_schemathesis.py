"""The whole API fuzzed against its OpenAPI document (issue 15): schemathesis generates requests
for every operation from grants/data/openapi.yaml, valid and not, sends them with the token of
an applicant and of staff, and checks that none is answered with a 5xx and that every answer
has a status the document lists for it and a body of the shape it promises.

The number of examples is bounded (and the generation derandomised) so that the suite keeps to
its time on both databases; the run is the same on every machine. The cases are drawn with
Hypothesis from schemathesis's strategies in a plain parametrised test, not through its pytest
plugin, which follows pytest's internals (pytest 9.2 broke it)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from grants.views.api_docs import METHODS, openapi_document

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# Each case is sent by an applicant and by each kind of staff that handles money.
CALLERS = ("applicant", "admin", "finance", "approver")
OPERATIONS = [(method.upper(), path) for path, item in openapi_document()["paths"].items()
              for method in METHODS if method in item]


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS,
                         ids=[f"{method} {path}" for method, path in OPERATIONS])
def test_no_request_gets_a_5xx_and_every_answer_matches_the_document(api_schema, world,
                                                                     method, path):
    operation = api_schema[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE))
    tokens = [getattr(world, caller).token for caller in CALLERS]

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def every_caller_gets_a_documented_answer(case):
        for token in tokens:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=CHECKS)

    every_caller_gets_a_documented_answer()
