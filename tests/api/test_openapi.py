"""The OpenAPI document covers every route with its error responses; the docs page works offline."""

from __future__ import annotations

import re

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
