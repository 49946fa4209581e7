"""HEAD is answered wherever GET is: the GET's status and headers, no body.

Link checkers and phones' link previews ask with HEAD before (or instead of) GET; a 405 there
makes a closing link or a public page look broken.
"""

from __future__ import annotations

from .conftest import Cast, every_get_route

# Headers that must not differ between the two answers (Date, X-Request-Id and cookies may).
SAME = ("Content-Type", "Cache-Control", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
        "Referrer-Policy", "Location", "Allow", "WWW-Authenticate", "Retry-After")


async def test_every_get_route_answers_head_with_the_same_status_and_headers(client, cast: Cast, db):
    gets = [path for _, path in await every_get_route(client, cast, db)]
    assert len(gets) > 60 and "/closing/" + "x" * 43 in gets and "/api/v1/docs" in gets
    identities: dict[str, dict[str, str]] = {"anonymous": {}}
    for name in ("alliance", "sec_a", "unit_x"):
        token = cast.headers[name]["Authorization"].split()[1]
        identities[name] = {**cast.headers[name], "Cookie": f"sandan_session={token}"}
    ok = 0
    for who, headers in identities.items():
        for path in gets:
            got = await client.get(path, headers=headers, allow_redirects=False)
            await got.read()
            head = await client.head(path, headers=headers, allow_redirects=False)
            assert head.status == got.status, (who, path, head.status, got.status)
            for name in SAME:
                assert head.headers.get(name) == got.headers.get(name), (who, path, name)
            assert await head.read() == b"", (who, path)
            ok += got.status == 200
    assert ok > 100  # most of them answered something, not only 404s
