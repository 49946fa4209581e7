"""The OpenAPI 3.1 document, built from the declared endpoints and their pydantic models, and an
offline docs page that renders it (no CDN: the page is one file with its own script)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, TypeAdapter

from . import routes  # noqa: F401  (registers the endpoints this document lists)
from .context import MAX_ID
from .errors import _HTTP_MESSAGES
from .headers import REVALIDATE
from .routing import ENDPOINTS, IDEMPOTENCY_KEY_PATTERN, PREFIX, Endpoint, dumps

REF = "#/components/schemas/{model}"


class ErrorBody(BaseModel):
    model_config = ConfigDict(title="ErrorBody")
    code: str
    message: str
    details: dict[str, Any]


class ErrorEnvelope(BaseModel):
    """Every failure, whatever its status: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody


def _schema(tp: Any, mode: str, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(tp).json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    components.update(schema.pop("$defs", {}))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        components[tp.__name__] = schema
        return {"$ref": REF.format(model=tp.__name__)}
    return schema


def _parameters(ep: Endpoint, components: dict[str, Any]) -> list[dict[str, Any]]:
    params = []
    for name in re.findall(r"\{([a-z_]+)\}", ep.path):
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID} if name.endswith("_id") else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if ep.query is not None:
        query = ep.query.model_json_schema(ref_template=REF)
        components.update(query.pop("$defs", {}))
        for name, prop in query.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in query.get("required", []),
                           "schema": prop})
    if ep.idempotent:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "重放返回首次结果；同一键不同请求体返回 422",
                       "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN}})
    return params


def _error_response(status: int) -> dict[str, Any]:
    return {"description": _HTTP_MESSAGES.get(status, "错误"),
            "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorEnvelope")}}}}


def build() -> dict[str, Any]:
    components: dict[str, Any] = {}
    _schema(ErrorEnvelope, "serialization", components)
    paths: dict[str, dict[str, Any]] = {}
    for ep in ENDPOINTS:
        op: dict[str, Any] = {
            "operationId": f"{ep.tag}_{ep.handler.__name__.strip('_')}",
            "summary": ep.summary,
            "tags": [ep.tag],
            "parameters": _parameters(ep, components),
            "responses": {},
        }
        if ep.public:
            op["security"] = []
        if ep.body is not None:
            op["requestBody"] = {"required": ep.body_required, "content": {"application/json": {
                "schema": _schema(ep.body, "validation", components)}}}
        if ep.status == 204 or ep.response is None:
            op["responses"]["204"] = {"description": "完成"}
        else:
            op["responses"][str(ep.status)] = {"description": "成功", "content": {"application/json": {
                "schema": _schema(ep.response, "serialization", components)}}}
        for status in ep.error_statuses():
            op["responses"][str(status)] = _error_response(status)
        op["responses"]["500"] = _error_response(500)
        paths.setdefault(ep.full_path, {})[ep.method.lower()] = op
    for path, summary in (("/healthz", "进程存活"), ("/readyz", "数据库可用")):
        paths[path] = {"get": {"operationId": path.strip("/"), "summary": summary, "tags": ["ops"],
                               "security": [], "responses": {"200": {"description": "正常"},
                                                             "503": {"description": "数据库不可用"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "三单联动 sandan API", "version": "1",
                 "description": "居民点单 — 社区下单 — 联盟接单。所有错误为 {\"error\": {code, message, details}}。"},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "POST /api/v1/auth/login 返回的令牌"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


_DOCUMENT: dict[str, str] = {}


async def document(request: web.Request) -> web.Response:
    if "json" not in _DOCUMENT:
        _DOCUMENT["json"] = dumps(build())
    return web.Response(text=_DOCUMENT["json"], content_type="application/json",
                        headers={"Cache-Control": REVALIDATE})


def _inline_hashes(tag: str) -> str:
    """CSP sources for the page's own inline ``<tag>`` blocks, by their sha256."""
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", _PAGE, re.S)
    return " ".join("'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
                    for b in blocks) or "'none'"


def docs_policy() -> str:
    """The docs page's CSP: its own inline script and style (by hash) and nothing from elsewhere."""
    return (f"default-src 'none'; script-src {_inline_hashes('script')}; style-src {_inline_hashes('style')}; "
            "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=_PAGE, content_type="text/html",
                        headers={"Cache-Control": REVALIDATE, "Content-Security-Policy": docs_policy()})


def install(app: web.Application) -> None:
    app.router.add_get(PREFIX + "/openapi.json", document)
    app.router.add_get(PREFIX + "/docs", docs_page)


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>三单联动 · 接口文档</title>
<style>
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2rem; color: #222;
       max-width: 70rem; }
h2 { border-bottom: 2px solid #c00; padding-bottom: .2rem; margin-top: 2rem; }
details { border: 1px solid #ddd; border-radius: 6px; margin: .4rem 0; padding: .3rem .7rem; }
summary { cursor: pointer; }
.m { display: inline-block; min-width: 3.5rem; font-weight: bold; }
.get { color: #06c; } .post { color: #080; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; }
pre { background: #f6f6f6; padding: .6rem; overflow: auto; max-height: 24rem; }
.lock { color: #a60; font-size: .8rem; }
</style></head>
<body>
<h1>三单联动 sandan · 接口文档</h1>
<p>机器可读文档：<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>（OpenAPI 3.1）。
需登录的接口在请求头带 <code>Authorization: Bearer &lt;令牌&gt;</code>；令牌由
<code>POST /api/v1/auth/login</code> 返回。</p>
<div id="out">加载中…</div>
<script>
function resolve(doc, s) {
  if (s && s.$ref) { return doc.components.schemas[s.$ref.split('/').pop()]; }
  return s;
}
function block(title, obj) {
  return '<b>' + title + '</b><pre>' +
         JSON.stringify(obj, null, 2).replace(/[&<>]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;'}[c])) + '</pre>';
}
fetch('/api/v1/openapi.json').then(r => r.json()).then(doc => {
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push([method, path, op]);
    }
  }
  let html = '';
  for (const [tag, ops] of Object.entries(byTag)) {
    html += '<h2>' + tag + '</h2>';
    for (const [method, path, op] of ops) {
      const open = op.security && op.security.length === 0 ? '' : ' <span class="lock">需登录</span>';
      html += '<details><summary><span class="m ' + method + '">' + method.toUpperCase() + '</span> <code>' + path +
              '</code> ' + (op.summary || '') + open + '</summary>';
      if (op.parameters && op.parameters.length) {
        html += block('参数', op.parameters.map(p => ({name: p.name, in: p.in, required: p.required,
                                                        schema: p.schema})));
      }
      if (op.requestBody) html += block('请求体', resolve(doc, op.requestBody.content['application/json'].schema));
      for (const [status, resp] of Object.entries(op.responses)) {
        const c = resp.content && resp.content['application/json'];
        html += c && status < 400 ? block(status + ' ' + resp.description, resolve(doc, c.schema))
                                  : '<div>' + status + ' ' + resp.description + '</div>';
      }
      html += '</details>';
    }
  }
  document.getElementById('out').innerHTML = html;
}).catch(e => { document.getElementById('out').textContent = '无法加载接口文档：' + e; });
</script>
</body></html>
"""
