"""What a log line may say about a request: never a secret, on any route, status or error path.

The resident's closing link carries its credential in the path (``/closing/{token}``), bearer
tokens and session cookies travel in headers, and a mistyped link puts a token wherever the
resident's phone put it. Three guards, each sufficient for what it covers:

* **The logged path is built, never copied.** A matched route is logged as its template with
  only the parameters known to be harmless filled in (:data:`HARMLESS`: numeric ids, codes,
  project numbers …), each only if its value has the shape such a value has; anything else
  stays ``{name}``. A path no route matches (404, 405, a trailing slash, a wrong prefix) is
  logged by its shape: the words some route spells literally are kept, every other segment is
  ``*``. A new path parameter is therefore hidden until someone declares it harmless here.
* **Records are scrubbed while a request is handled.** The strings of the request that could be
  credentials (path parameters and segments not known harmless, query values, the
  ``Authorization`` header, cookies) are kept in a context variable, and every log record
  created meanwhile, by any logger, has them replaced in its message, its traceback and its
  stack before a handler sees it: an exception that quotes its input cannot leak it either.
* **The HTTP parser's complaints lose their quotation.** aiohttp quotes the raw request line or
  header when it refuses one (``InvalidURLError``, ``LineTooLong`` …), before any route or
  middleware runs; those records keep the kind of error and the client address only.
"""

from __future__ import annotations

import contextvars
import logging
import re
import traceback
from collections.abc import Iterable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

# Path parameters a log may show, each with the only shape its value may have to be shown.
_ID = re.compile(r"[0-9]{1,19}")
HARMLESS: dict[str, re.Pattern[str]] = {
    "code": re.compile(r"[0-9]{1,20}|[a-z][a-z0-9_.]{1,63}"),  # area codes, category codes
    "number": re.compile(r"X[MQ][0-9]{7,19}"),  # project and need numbers
    "entity": re.compile(r"[a-z_]{1,32}"),
    "username": re.compile(r"[a-z0-9][a-z0-9_.-]{2,63}"),
    "filename": re.compile(r"[a-z0-9_-]{1,40}\.(?:css|js|png|svg|ico|woff2?)"),  # static files
}
# Values too plain to be a credential (tokens are long and mix cases and symbols): never scrubbed,
# so that log lines keep the ids, codes and filter words they mention.
_PLAIN = re.compile(r"[0-9]{1,20}|[a-z_.-]{1,40}")
MIN_SECRET = 8
MAX_SEGMENTS = 12
HIDDEN = "***"

_WORDS = web.AppKey("logsafe_words", frozenset)


def _harmless(name: str, value: str) -> bool:
    pattern = _ID if name.endswith("_id") else HARMLESS.get(name)
    return pattern is not None and pattern.fullmatch(value) is not None


def secret_params(template: str) -> list[str]:
    """The parameters of a route template not declared harmless: never logged, never cached."""
    names = [m.split(":", 1)[0] for m in re.findall(r"\{([^}]+)\}", template)]
    return [n for n in names if not n.endswith("_id") and n not in HARMLESS]


def literal_words(app: web.Application) -> frozenset[str]:
    """Every path segment some route of ``app`` spells literally (``api``, ``closing`` …)."""
    words: set[str] = set()
    for resource in app.router.resources():
        words.update(s for s in resource.canonical.split("/") if s and "{" not in s)
    return frozenset(words)


def install(app: web.Application) -> None:
    """Remember the app's literal words (after its routes are added) and turn on the scrubbers."""
    app[_WORDS] = literal_words(app)
    install_scrubbers()


def _words(request: web.Request) -> frozenset[str]:
    words = request.app.get(_WORDS)
    return words if words is not None else literal_words(request.app)


def _matched(request: web.Request) -> web.AbstractResource | None:
    """The route's resource; None when no route matched (404, 405: a system route)."""
    return request.match_info.route.resource


def route_path(request: web.Request) -> str:
    """The request's path as a log may show it (see the module docstring)."""
    resource = _matched(request)
    if resource is None:
        return path_shape(request.path, _words(request))
    info = request.match_info

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":", 1)[0]
        value = info.get(name, "")
        return value if _harmless(name, value) else "{" + name + "}"

    path = re.sub(r"\{([^}]+)\}", fill, resource.canonical)
    if isinstance(resource, web.StaticResource):
        filename = info.get("filename", "")
        path += "/" + (filename if _harmless("filename", filename) else "{filename}")
    return path


def path_shape(path: str, words: Iterable[str]) -> str:
    """``/api/v1/closing/<token>/`` → ``/api/v1/closing/*/``: known words kept, the rest ``*``."""
    words = frozenset(words)
    segments = path.split("/")
    shown = [s if s == "" or s in words else "*" for s in segments[:MAX_SEGMENTS]]
    if len(segments) > MAX_SEGMENTS:
        shown.append("…")
    return "/".join(shown)


# --- scrubbing records ---------------------------------------------------------------------------

_SECRETS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("sandan_log_secrets", default=())


def _candidates(request: web.Request) -> Iterable[str]:
    resource = _matched(request)
    if resource is not None:
        yield from (v for k, v in request.match_info.items() if not _harmless(k, v))
    else:
        words = _words(request)
        for path in (request.path, request.raw_path.partition("?")[0]):
            yield from (s for s in path.split("/") if s not in words)
    yield from request.query.values()
    for pair in request.query_string.split("&"):
        yield pair.partition("=")[2]
    credentials = request.headers.get("Authorization", "").partition(" ")[2].strip()
    yield credentials
    yield from request.cookies.values()


def secrets_of(request: web.Request) -> tuple[str, ...]:
    """The strings of ``request`` that could be credentials, longest first."""
    found = {s for s in _candidates(request) if len(s) >= MIN_SECRET and not _PLAIN.fullmatch(s)}
    return tuple(sorted(found, key=len, reverse=True))


def guard(request: web.Request) -> None:
    """Scrub ``request``'s secrets from every record logged from here on in this task.

    Set by the outermost middleware and deliberately never reset: what aiohttp logs about the
    request after the middleware returned (an escaped exception, its own access line if someone
    turns it on) runs in the same task and is scrubbed too; the next request on the connection
    replaces the set.
    """
    _SECRETS.set(secrets_of(request))


def hide(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


def _scrub(record: logging.LogRecord, secrets: tuple[str, ...]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: logging reports it itself, without the arguments
        record.msg, record.args = f"unformattable log call at {record.pathname}:{record.lineno}", ()
        return
    clean = hide(message, secrets)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        clean = hide(text, secrets)
        if clean != text:  # the formatter prints exc_text when there is no exc_info
            record.exc_info, record.exc_text = None, clean
    if record.stack_info:
        record.stack_info = hide(record.stack_info, secrets)


def _scrubbing_factory(base):
    def make(*args, **kwargs):
        record = base(*args, **kwargs)
        secrets = _SECRETS.get()
        if secrets:
            _scrub(record, secrets)
        return record

    make.sandan_scrubber = True
    return make


class ParserErrorFilter(logging.Filter):
    """aiohttp's parser errors without the raw request they quote."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.args = (record.getMessage(), type(exc).__name__, exc.code)
            record.msg = "%s: %s (%s); the request is not quoted, it may hold credentials"
            record.exc_info, record.exc_text = None, None
        return True


def install_scrubbers() -> None:
    """Once per process: the record factory that scrubs, the filter on aiohttp's server logger."""
    if not getattr(logging.getLogRecordFactory(), "sandan_scrubber", False):
        logging.setLogRecordFactory(_scrubbing_factory(logging.getLogRecordFactory()))
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ParserErrorFilter) for f in server_log.filters):
        server_log.addFilter(ParserErrorFilter())
