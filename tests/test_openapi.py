"""The OpenAPI document and the code agree (issue 15): every route of API v1 is described, the
document describes no route that is not there, it is valid OpenAPI 3.1, and it is served to
programs as JSON and to people as a page, without a token."""

import re

import schemathesis

from grants.views.api_docs import openapi_document

# The API's description of itself is not an operation of the API.
ABOUT_THE_API = {"/api/v1/openapi.json", "/api/v1/docs"}


def routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule in ABOUT_THE_API:
            continue
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "{}", rule.rule.removeprefix("/api/v1"))
        found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented() -> set[tuple[str, str]]:
    found = set()
    for path, item in openapi_document()["paths"].items():
        for method in ("get", "post", "patch", "put", "delete"):
            if method in item:
                found.add((method.upper(), re.sub(r"\{[^}]+\}", "{}", path)))
    return found


def test_every_route_is_documented_and_every_operation_exists(app):
    assert routes(app) - documented() == set()
    assert documented() - routes(app) == set()
    assert len(documented()) == 29


def test_the_document_is_valid_openapi_3_1(app):
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()
    ids = [operation["operationId"] for item in document["paths"].values()
           for operation in item.values() if isinstance(operation, dict)
           and "operationId" in operation]
    assert len(ids) == len(set(ids)) == 29


def test_the_document_is_served_as_json_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == openapi_document()
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_the_page_lists_every_operation_and_the_error_shape(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    headings = re.findall(r"<h3 id=\"\w+\"><code>(\w+) (/api/v1/\S+)</code></h3>", page)
    assert {(method, re.sub(r"\{[^}]+\}", "{}", path.removeprefix("/api/v1")))
            for method, path in headings} == documented()
    assert '{&#34;error&#34;: {&#34;code&#34;, &#34;message&#34;, &#34;fields&#34;}}' in page
    assert 'id="schema-Application"' in page
