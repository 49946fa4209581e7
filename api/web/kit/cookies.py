"""The cookies of a page request: the staff session, the CSRF value every form sends back, and
flash messages carried to the next page. Handlers queue cookies; the middleware writes them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets

from aiohttp import web

SESSION_COOKIE = "sandan_session"
CSRF_COOKIE = "sandan_csrf"
FLASH_COOKIE = "sandan_flash"
CSRF_FIELD = "_csrf"

# flash messages queued during this request, and cookies to write on its response
FLASH_OUT = web.RequestKey("web_flash_out", list)
COOKIES_OUT = web.RequestKey("web_cookies_out", dict)


def _secure(request: web.Request) -> bool:
    """Cookies are Secure when the browser talks https to us or to the proxy in front of us."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_cookie(request: web.Request, name: str, value: str | None, *, max_age: int | None = None) -> None:
    """Queue a cookie for the response (``None`` deletes it); written by the middleware."""
    request[COOKIES_OUT][name] = (value, max_age)


def csrf_token(request: web.Request) -> str:
    """The value every POST form must send back in ``_csrf``.

    With a session it is derived from the session token (which no other site can read); without
    one it is a random value kept in its own cookie (double submit).
    """
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        return hashlib.sha256(b"sandan-csrf\0" + token.encode("utf-8", "replace")).hexdigest()[:40]
    queued = request[COOKIES_OUT].get(CSRF_COOKIE)
    nonce = queued[0] if queued else request.cookies.get(CSRF_COOKIE, "")
    if not (20 <= len(nonce) <= 64 and nonce.isascii() and nonce.isalnum()):
        nonce = secrets.token_hex(16)
        set_cookie(request, CSRF_COOKIE, nonce)
    return nonce


def csrf_ok(request: web.Request, sent: str | None) -> bool:
    if not sent:
        return False
    token = request.cookies.get(SESSION_COOKIE)
    expected = csrf_token(request) if token else request.cookies.get(CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace"))


def read_flashes(request: web.Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    set_cookie(request, FLASH_COOKIE, None)
    try:
        items = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
        return [(str(k), str(m)) for k, m in items][:5]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return []


def write_cookies(request: web.Request, response: web.StreamResponse) -> None:
    pending = request.get(FLASH_OUT)
    if pending and response.status in (301, 302, 303, 307, 308):
        raw = base64.urlsafe_b64encode(json.dumps(pending, ensure_ascii=False).encode()).decode()
        request[COOKIES_OUT][FLASH_COOKIE] = (raw, 60)
    secure = _secure(request)
    for name, (value, max_age) in request.get(COOKIES_OUT, {}).items():
        if value is None:
            response.del_cookie(name, path="/")
        else:
            response.set_cookie(name, value, path="/", max_age=max_age, httponly=True, samesite="Lax", secure=secure)
