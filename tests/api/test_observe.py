"""One JSON log line per request, and Prometheus metrics labelled by route template."""

from __future__ import annotations

import json
import logging

API = "/api/v1"


async def test_each_request_logs_one_json_line_with_id_route_status_latency(client, caplog):
    with caplog.at_level(logging.INFO, logger="sandan.access"):
        await client.get(f"{API}/needs/12", headers={"X-Request-Id": "trace-7"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "sandan.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "trace-7" and line["route"] == f"{API}/needs/{{need_id}}"
    assert line["status"] == 401 and line["latency_ms"] >= 0 and line["method"] == "GET"


async def test_metrics_count_requests_by_route_template_and_status(client):
    for n in (1, 2, 3):
        await client.get(f"{API}/needs/{n}")
    await client.get("/no/such/thing")
    r = await client.get("/metrics")
    text = await r.text()
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
    assert f'sandan_http_requests_total{{method="GET",route="{API}/needs/{{need_id}}",status="401"}} 3.0' in text
    assert 'route="unmatched",status="404"' in text
    assert "sandan_http_request_duration_seconds_bucket" in text
