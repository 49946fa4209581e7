"""Every response: never cached when it is someone's, framed by no one, no server version.

Caching is decided once for all routes (api/headers.py): ``no-store`` unless a route that
carries nothing personal declares otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re

import api.routes  # noqa: F401  (registers the endpoints)
from api.routing import ENDPOINTS
from catalog.enums import ProjectStatus as PS
from tests.factories import make_project

from .conftest import Cast, every_get_route, post_form

# GET routes whose answer is the same for everyone and holds nothing personal: the public
# board and the directory (areas, categories), the docs, static files
PUBLIC_API = {ep.full_path for ep in ENDPOINTS if ep.public and ep.method == "GET"}
KEPT = {"/api/v1/docs": "no-cache", "/api/v1/openapi.json": "no-cache", "/static/site.css": "no-cache",
        "/favicon.ico": "public, max-age=86400"}


def _check_common(r, what: object) -> None:
    h = r.headers
    assert h["X-Content-Type-Options"] == "nosniff", what
    assert h["X-Frame-Options"] == "DENY", what
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"], what
    assert h["Referrer-Policy"] in ("same-origin", "no-referrer"), what
    assert h["Server"] == "sandan", what


async def test_authenticated_answers_are_never_stored_and_all_carry_the_security_headers(client, cast: Cast, db):
    gets = await every_get_route(client, cast, db)
    r = await client.get("/api/v1/needs", headers=cast.headers["sec_a"])
    assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
    for who in ("sec_a", "alliance", "unit_x"):
        token = cast.headers[who]["Authorization"].split()[1]
        signed_in = {**cast.headers[who], "Cookie": f"sandan_session={token}"}
        for template, path in gets:
            r = await client.get(path, headers=signed_in, allow_redirects=False)
            _check_common(r, (who, path))
            expected = "public, max-age=60" if template in PUBLIC_API and r.status == 200 else \
                KEPT.get(path, "no-store")
            assert r.headers["Cache-Control"] == expected, (who, path, r.status)


async def test_signed_out_pages_the_closing_link_and_forms_with_personal_data(client, cast: Cast, db):
    r = await client.get("/public")
    assert r.status == 200 and r.headers["Cache-Control"] == "private, no-cache"
    _check_common(r, "/public")
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    r = await client.get("/api/v1/public/projects")
    assert r.status == 200 and r.headers["Cache-Control"] == "public, max-age=60"
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    waiting = await make_project(db, cast.world, PS.AWAITING_CLOSE, unit=cast.unit_x, community=cast.a)
    for method in ("GET", "HEAD"):  # the token is in the address: not kept, not sent on as a Referer
        for token, status in ((waiting.token, 200), ("y" * 43, 404)):
            r = await client.request(method, f"/closing/{token}")
            assert r.status == status and r.headers["Cache-Control"] == "no-store", method
            assert r.headers["Referrer-Policy"] == "no-referrer", method
    r = await post_form(client, f"/closing/{waiting.token}", outcome="", score="9")  # shown again
    assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    # the need form shown again keeps the resident's name and phone: never stored
    r = await post_form(client, "/need", title="", requester_name="王建华", requester_phone="13800002222")
    assert r.status == 200 and "13800002222" in await r.text()
    assert r.headers["Cache-Control"] == "no-store"
    r = await client.post("/api/v1/auth/login", json={"username": "sec-a", "password": "correct horse battery"})
    assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
    for path in ("/no/such/page", "/api/v1/no/such", "/healthz", "/metrics"):
        r = await client.get(path)
        _check_common(r, path)
        assert r.headers["Cache-Control"] == "no-store", path


async def test_the_docs_page_runs_only_its_own_inline_script_and_style(client):
    r = await client.get("/api/v1/docs")
    assert r.status == 200
    _check_common(r, "docs")
    policy = r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy and "connect-src 'self'" in policy
    html = await r.text()
    for tag in ("script", "style"):
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)
        assert blocks, tag
        for block in blocks:
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy, tag
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from another site


async def test_no_answer_names_the_versions_of_python_or_aiohttp(client):
    for path in ("/", "/api/v1/needs", "/static/site.css", "/no/such"):
        r = await client.get(path)
        assert r.headers["Server"] == "sandan", path
    # what the HTTP parser refuses never reaches the app, and is answered without versions too
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(b"GET /bad\x01path HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.") and b"\r\nServer: sandan\r\n" in answer
    assert b"aiohttp" not in answer and b"Python" not in answer
