"""Per-request observability: one JSON log line and Prometheus metrics for every request.

The middleware sits outside the error middleware, so it sees the status the client got,
envelopes included. Routes are labelled by their template (``/api/v1/needs/{need_id}``), never
by the raw path, so a scan of random URLs cannot blow up the metric's label set; the logged path
is built the same way (:mod:`api.logsafe`), so a closing link's token never reaches a log.
"""

from __future__ import annotations

import json
import logging
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from . import logsafe
from .errors import REQUEST_ID, logged_path

ACCESS_LOG = logging.getLogger("sandan.access")


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


async def metrics_endpoint(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def configure_access_log() -> None:
    """Access lines are bare JSON, one per line, whatever the format of the other loggers."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    ACCESS_LOG.handlers[:] = [handler]
    ACCESS_LOG.propagate = False
    ACCESS_LOG.setLevel(logging.INFO)
