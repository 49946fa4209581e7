"""Every page names an icon, and /favicon.ico (which browsers ask for anyway) answers."""

from __future__ import annotations

import struct


async def test_favicon_ico_is_a_real_icon(client):
    r = await client.get("/favicon.ico", headers={"Accept": "image/avif,image/webp,image/*,*/*;q=0.8"})
    body = await r.read()
    assert r.status == 200 and r.headers["Content-Type"] == "image/x-icon"
    reserved, kind, count = struct.unpack("<HHH", body[:6])
    assert (reserved, kind, count) == (0, 1, 1)  # an icon file holding one image
    size, offset = struct.unpack("<II", body[14:22])
    assert body[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + size == len(body)
    assert "max-age" in r.headers["Cache-Control"]


async def test_pages_link_an_svg_icon_that_is_served(client, db):
    page = await (await client.get("/need")).text()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    r = await client.get("/static/favicon.svg")
    assert r.status == 200 and r.headers["Content-Type"] == "image/svg+xml"
    assert (await r.text()).startswith("<svg")
