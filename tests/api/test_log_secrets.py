"""No closing token reaches a log line, whatever the method, the path's shape or the failure.

The requests go over a raw socket, byte for byte as a phone or a scanner would send them (a
client library would normalise the slashes and the percent-encoding), to the app run with the
same server options as ``sandan serve``. Every record of every logger is captured at DEBUG and
searched for the token and for its first 16 characters (a truncated quotation leaks too).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestServer

from api.app import create_app
from api.server import RUNNER_OPTIONS
from catalog import scoped
from catalog.storage.settings import load_settings

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND")


def _token() -> str:
    # the real format (secrets.token_urlsafe(32)), with both symbols so that encodings differ
    return "A-_" + secrets.token_urlsafe(30)


def _shapes(t: str) -> list[str]:
    every_char = "".join(f"%{b:02X}" for b in t.encode())
    return [
        f"/closing/{t}", f"/closing/{t}/", f"/closing/{t}//", f"//closing/{t}", f"/closing//{t}",
        f"/api/v1/closing/{t}", f"/api/v1/closing/{t}/", f"/api/closing/{t}", f"/v1/closing/{t}",
        f"/Closing/{t}", f"/closing/{t}/extra", f"/closing/{t};jsessionid=1", f"/{t}", f"/{t}/closing",
        f"/closing/{every_char}", f"/closing/{quote(t, safe='')}%00", f"/closing/{t}%2F", f"/closing/%{t}",
        f"/closing/{t}?token={t}", f"/closing/x?token={t}", f"/need?ref={t}", f"/api/v1/needs?cursor={t}",
        f"/closing/{t}#frag", f"/closing/{t}" + "x" * 2000, f"/closing/{t * 40}",
        f"/static/{t}", f"/static/{t}.css", f"/public/projects/{t}", f"/api/v1/public/projects/{t}",
        f"/api/v1/needs/{t}", f"/api/v1/accounts/{t}/revoke", f"/admin/limits/{t}", f"/secretary/projects/{t}",
        f"/closing/{t}/../{t}", f"/./closing/{t}", f"/closing/{t}" + "/a" * 40,
    ]


def _leaks(records: list[logging.LogRecord], token: str) -> list[str]:
    probes = (token, token[:16], quote(token, safe=""))
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    leaks = []
    for record in records:
        texts = [formatter.format(record), repr(vars(record))]
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
        if any(p in text for p in probes for text in texts):
            leaks.append(texts[0][:300])
    return leaks


@pytest.fixture
async def server(db, database_dsn):
    s = TestServer(create_app(load_settings(database_url=database_dsn)))
    await s.start_server(**RUNNER_OPTIONS)  # the options `sandan serve` runs with
    try:
        yield s
    finally:
        await s.close()


async def _send(server: TestServer, head: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    lines = [head, f"Host: {server.host}:{server.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or head.startswith(("POST", "PUT", "PATCH")):
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


def _access_lines(records: list[logging.LogRecord]) -> list[dict]:
    return [json.loads(r.getMessage()) for r in records if r.name == "sandan.access"]


async def test_no_method_or_path_shape_logs_the_closing_token(server, caplog):
    token = _token()
    caplog.set_level(logging.DEBUG)
    sent = 0
    for shape in _shapes(token):
        for method in METHODS:
            for accept in ("application/json", "text/html"):
                answer = await _send(server, f"{method} {shape} HTTP/1.1", headers={"Accept": accept})
                assert answer.startswith(b"HTTP/1.1 "), (method, shape[:80], answer[:200])
                sent += 1
    assert not _leaks(caplog.records, token)
    lines = _access_lines(caplog.records)
    assert len(lines) >= sent * 0.9  # what the parser refused never reached the app
    paths = {line["path"] for line in lines}
    assert {"/closing/{token}", "/closing/*/", "/api/v1/closing/*", "//closing/*", "/closing//*"} <= paths
    assert "/api/v1/needs/{need_id}" in paths and "/static/{filename}" in paths


async def test_malformed_requests_are_logged_without_the_raw_request_line(server, caplog):
    token = _token()
    caplog.set_level(logging.DEBUG)
    malformed = [
        f"GET /closing/{token}\x01 HTTP/1.1",  # invalid character in the path
        f"GET /closing/{token} HTTP/1.1 trailing",  # bad request line
        f"G\x01T /closing/{token} HTTP/1.1",  # bad method
        f"GET /closing/{token * 250} HTTP/1.1",  # request line too long
        f"GET /closing/{token} HTTP/9.9",
    ]
    for head in malformed:
        answer = await _send(server, head)
        assert answer.startswith(b"HTTP/1."), answer[:100]
    await _send(server, "GET / HTTP/1.1", headers={"Bad Header": token})
    await _send(server, "GET / HTTP/1.1", headers={"X-Long": token * 400})
    assert not _leaks(caplog.records, token)
    refused = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert refused and all("not quoted" in r.getMessage() for r in refused)


@pytest.mark.parametrize("failure", [RuntimeError, OSError])
async def test_a_failure_that_quotes_the_token_is_scrubbed_from_message_and_traceback(server, caplog, monkeypatch,
                                                                                     failure):
    token = _token()

    async def refuse(db, given, *data):
        raise failure(f"cannot close with {given!r}")  # an exception that quotes its input

    monkeypatch.setattr(scoped, "closing_page", refuse)  # the page looks the link up first
    monkeypatch.setattr(scoped, "close_by_resident", refuse)
    caplog.set_level(logging.DEBUG)
    answer = await _send(server, f"GET /closing/{token} HTTP/1.1", headers={"Accept": "text/html"})
    assert answer.split(b" ")[1] in (b"500", b"503")
    answer = await _send(server, f"POST /api/v1/closing/{token} HTTP/1.1", b'{"outcome": "solved", "score": 5}',
                         {"Content-Type": "application/json"})
    assert answer.split(b" ")[1] in (b"500", b"503")
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name != "sandan.access"]
    assert len(failures) == 2 and all("cannot close with" in (r.exc_text or r.getMessage()) for r in failures)
    assert not _leaks(caplog.records, token)


async def test_the_demo_summary_with_its_closing_tokens_is_printed_not_logged(db, caplog, capsys):
    from api.app import load_demo_if_empty

    caplog.set_level(logging.DEBUG)
    await load_demo_if_empty(db)
    printed = capsys.readouterr().out
    tokens = re.findall(r"XM\d+\s+([A-Za-z0-9_-]{43})", printed)
    assert tokens  # the person who started the demo still gets its closing links
    for token in tokens:
        assert not _leaks(caplog.records, token)
