"""The API describes itself: its OpenAPI 3.1 document (grants/data/openapi.yaml, kept beside the
code; tests/test_openapi.py holds the two together) as JSON at /api/v1/openapi.json, and the
same document as a page for people at /api/v1/docs. Both are public: they tell nothing a
reader of shared/api.md does not know."""

from functools import cache
from importlib.resources import files

import yaml
from flask import jsonify, render_template

from grants.views.api import bp as api

METHODS = ("get", "post", "patch", "put", "delete")


@cache
def openapi_document() -> dict:
    return yaml.safe_load((files("grants") / "data" / "openapi.yaml").read_text("utf-8"))


@api.get("/openapi.json")
def openapi_json():
    response = jsonify(openapi_document())
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


def _name(schema: dict | None) -> str:
    """A schema as a reader names it: the component it refers to, or its type."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"[{_name(schema.get('items'))}]"
    kind = schema.get("type", "object")
    return " | ".join(kind) if isinstance(kind, list) else kind


def _resolve(document: dict, item: dict) -> dict:
    if "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        return document["components"][section][name]
    return item


def _operations(document: dict) -> list[dict]:
    operations = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [_resolve(document, p) for p in [*shared,
                                                          *operation.get("parameters", [])]]
            body = operation.get("requestBody", {}).get("content", {})
            responses = []
            for status, response in operation["responses"].items():
                response = _resolve(document, response)
                content = response.get("content", {})
                responses.append({"status": status, "description": response["description"],
                                  "types": {media: _name(part.get("schema"))
                                            for media, part in content.items()}})
            operations.append({
                "id": operation["operationId"], "method": method.upper(), "path": path,
                "tag": operation["tags"][0], "summary": operation["summary"],
                "description": operation.get("description", ""),
                "parameters": [{"name": p["name"], "in": p["in"],
                                "required": p.get("required", False),
                                "type": _name(p.get("schema"))} for p in parameters],
                "body": {media: _name(part.get("schema")) for media, part in body.items()},
                "responses": responses})
    return operations


def _schemas(document: dict) -> list[dict]:
    shown = []
    for name, schema in document["components"]["schemas"].items():
        parts = schema.get("allOf", [schema])
        properties, required, extends = {}, set(), []
        for part in parts:
            if "$ref" in part:
                extends.append(_name(part))
                continue
            properties.update(part.get("properties", {}))
            required.update(part.get("required", []))
        shown.append({"name": name, "type": _name(schema) if "allOf" not in schema else "",
                      "description": schema.get("description", ""), "extends": extends,
                      "pattern": schema.get("pattern"), "enum": schema.get("enum"),
                      "properties": [{"name": key, "type": _name(value),
                                      "required": key in required}
                                     for key, value in properties.items()]})
    return shown


@api.get("/docs")
def api_docs():
    document = openapi_document()
    operations = _operations(document)
    tags = [{**tag, "operations": [o for o in operations if o["tag"] == tag["name"]]}
            for tag in document["tags"]]
    schemas = _schemas(document)
    return render_template("api/docs.html", info=document["info"], tags=tags, schemas=schemas,
                           schema_names={schema["name"] for schema in schemas})
