"""The OpenAPI document covers every route with its error responses; the docs page works offline."""

from __future__ import annotations

import re

import api.routes  # noqa: F401  (registers the endpoints)
from api.openapi import build

API = "/api/v1"


async def test_every_api_route_is_documented_with_its_errors(client):
    r = await client.get(f"{API}/openapi.json")
    doc = await r.json()
    assert r.status == 200 and doc["openapi"].startswith("3.")
    routes = {(route.method.lower(), route.resource.canonical) for route in client.app.router.routes()
              if route.resource is not None and route.resource.canonical.startswith(API)
              and route.method != "HEAD"}
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    missing = routes - documented - {("get", f"{API}/openapi.json"), ("get", f"{API}/docs")}
    assert not missing and len(routes) > 40
    schemas = doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if not path.startswith(API):
                continue
            codes = set(op["responses"])
            assert {"500", "503", "413"} <= codes, (method, path)
            if op.get("security") != []:
                assert {"401", "403"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in op:
                assert {"400", "422"} <= codes, (method, path)
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert schemas[ref.rsplit("/", 1)[1]].get("additionalProperties") is False, (method, path)
            for code, resp in op["responses"].items():
                if int(code) >= 400:
                    assert resp["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    # every reference resolves
    for ref in set(re.findall(r'"\$ref":\s*"#/components/schemas/([^"]+)"', await r.text())):
        assert ref in schemas, ref


async def test_docs_page_loads_nothing_from_elsewhere(client):
    r = await client.get(f"{API}/docs")
    html = await r.text()
    assert r.status == 200 and "接口文档" in html and "/api/v1/openapi.json" in html
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html)


def test_the_document_states_what_the_server_checks():
    """The contract test (test_contract.py) finds a disagreement; these name the usual ones."""
    doc = build()
    ops = {(m, p.removeprefix(API)): op for p, o in doc["paths"].items() for m, op in o.items()}
    schemas = doc["components"]["schemas"]
    # a body the server reads as {} when it is left out is not required
    assert ops["post", "/projects/{project_id}/reject-claim"]["requestBody"]["required"] is False
    assert ops["post", "/projects/{project_id}/helpers/{unit_id}/withdraw"]["requestBody"]["required"] is False
    assert ops["post", "/projects/{project_id}/cancel"]["requestBody"]["required"] is True
    # the key the server can store, in the document's words
    key = next(p for p in ops["post", "/public/needs"]["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"]["pattern"] == "^[!-~]{1,200}$"
    # decimals: a number, or a string of the one form the server reads
    hours = schemas["ProjectIn"]["properties"]["estimated_hours"]["anyOf"]
    assert {b["type"] for b in hours} == {"number", "string"} and all("pattern" in b for b in hours
                                                                        if b["type"] == "string")
    # rules across fields are in the schema, not only in the validators
    assert "allOf" in schemas["ProjectCancelIn"] and "allOf" in schemas["AreaIn"] and "allOf" in schemas["NeedIn"]
    assert "allOf" in schemas["ResourceIn"] and "allOf" in schemas["TimeLimitsIn"]

