"""PostgreSQL goes away: requests get 503 (never 500); when it is back the service recovers alone.

The shared test server cannot be stopped, so the app reaches it through a small TCP relay that
this test can cut and restore: to the app that is exactly a database that went away and came
back (live connections drop, new ones are refused).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import urllib.parse

import pytest
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_app
from catalog.storage.settings import load_settings

API = "/api/v1"


class Relay:
    def __init__(self, dsn: str):
        u = urllib.parse.urlsplit(dsn)
        query = urllib.parse.parse_qs(u.query)
        host = query.pop("host", [u.hostname or "localhost"])[0]
        port = int(query.pop("port", [u.port or 5432])[0])
        self._unix = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else None
        self._tcp = (host, port)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        userinfo = u.netloc.rsplit("@", 1)[0] + "@" if "@" in u.netloc else ""
        rest = urllib.parse.urlencode({k: v[0] for k, v in query.items()})
        self.dsn = f"postgresql://{userinfo}127.0.0.1:{self.port}{u.path}" + (f"?{rest}" if rest else "")
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for w in list(self._writers):
            w.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self._unix:
                up_reader, up_writer = await asyncio.open_unix_connection(self._unix)
            else:
                up_reader, up_writer = await asyncio.open_connection(*self._tcp)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@pytest.fixture
async def relay(db, database_dsn):
    r = Relay(database_dsn)
    await r.start()
    yield r
    with contextlib.suppress(Exception):
        await r.stop()


async def test_database_outage_gives_503_and_the_service_recovers(relay, cast):
    app = create_app(load_settings(database_url=relay.dsn))
    token = cast.headers["sec_a"]
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/readyz")).status == 200
        assert (await client.get(f"{API}/needs", headers=token)).status == 200

        await relay.stop()
        for path, headers in (("/readyz", {}), (f"{API}/categories", {}), (f"{API}/needs", token),
                              (f"{API}/projects", token)):
            r = await client.get(path, headers=headers)
            assert r.status == 503, (path, await r.text())
            if path.startswith(API):
                assert (await r.json())["error"]["code"] == "database_unavailable"
                assert r.headers["Retry-After"]
            else:
                assert (await r.json())["database"] == "unreachable"  # a server we do not restart
        assert (await client.get("/healthz")).status == 200  # the process itself is fine

        await relay.start()
        statuses = []
        for _ in range(20):  # the pool reconnects on its own; no restart, no operator
            r = await client.get(f"{API}/needs", headers=token)
            statuses.append(r.status)
            if r.status == 200:
                break
            await asyncio.sleep(0.1)
        assert statuses[-1] == 200 and set(statuses) <= {200, 503}, statuses
        assert (await client.get("/readyz")).status == 200
        # nothing stays broken: more requests at once than the pool has connections all go through
        answers = await asyncio.gather(*(client.get(f"{API}/needs", headers=token) for _ in range(25)))
        assert [r.status for r in answers] == [200] * 25
