"""The server keeps the contract its OpenAPI document states, checked by schemathesis.

Schemathesis reads ``/api/v1/openapi.json`` and sends what the document allows and what it
forbids, with every check it has (status codes, response schemas and headers, positive data
accepted, negative data refused, methods, authentication, resources after delete …) and one of
ours (tests/api/contract_hooks.py). It runs against the real app served on loopback, once per
caller: anonymous (on the operations open to everyone), a community secretary, a member unit
and the alliance administrator (on the others). Each caller gets a database of its own with the
demo county freshly loaded, dropped afterwards, so the four run side by side and leave nothing
behind for other tests.

The run is bounded and repeatable: derandomised generation, no deadline, one worker per caller,
``EXAMPLES`` generated cases per operation in the fuzzing phase (the coverage phase adds its own
fixed set of edge cases). For a broader search on your machine:

    SANDAN_CONTRACT_EXAMPLES=200 SANDAN_CONTRACT_SEED=7 .venv/bin/python -m pytest tests/api/test_contract.py

A seed turns derandomisation off and explores other cases, repeatably. A failure prints
schemathesis's report, each case with a curl line to reproduce it against ``sandan serve --demo``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

import api.routes  # noqa: F401  (registers the endpoints the document is built from)
from api import openapi
from api.app import create_app
from catalog.demo.build import DEMO_PASSWORD, load_demo
from catalog.storage.db import create_pool
from catalog.storage.settings import load_settings
from tests.conftest import _admin_dsn, migrated_database

EXAMPLES = int(os.environ.get("SANDAN_CONTRACT_EXAMPLES", "10"))
# unset: derandomised, the same cases every run; a seed explores other cases, repeatably
SEED = os.environ.get("SANDAN_CONTRACT_SEED")
HOOKS = Path(__file__).with_name("contract_hooks.py")

# who calls: a demo account, or nobody
CALLERS = {
    "anonymous": None,
    "secretary": "sec-141099001001",
    "unit": "unit-1",
    "admin": "alliance",
}
# Anonymous callers are tested on the operations open to everyone (the others each answer them
# 401, which the ignored_auth check asks of every signed-in run); signed-in callers on the rest.
PUBLIC = sorted(op["operationId"] for ops in openapi.build()["paths"].values() for op in ops.values()
                if op.get("security") == [])

# Names of rows in the demo county, offered to schemathesis beside the values it makes up, so
# that requests reach past "not found" into the commands themselves: (dictionary, query, where
# to use it); $1 is the communities the caller sees most of. Made-up values still come half the
# time. Only where no rule across fields looks: schemathesis puts these in after generating, and
# still counts the request as schema-valid.
_DEMO_NAMES = [
    ("project_ids", "SELECT id FROM projects WHERE community_code = ANY($1)", ["path.project_id"]),
    ("need_ids", "SELECT id FROM needs WHERE community_code = ANY($1)", ["path.need_id"]),
    ("unit_ids", "SELECT id FROM units", ["path.unit_id", "body.unit_id", "query.unit_id"]),
    ("resource_ids", "SELECT id FROM resources", ["path.resource_id", "body.resource_id"]),
    ("assignment_ids", "SELECT id FROM assignments", ["path.assignment_id"]),
    ("item_ids", "SELECT id FROM supervision_items", ["path.item_id"]),
    ("run_ids", "SELECT id FROM batch_runs", ["path.run_id"]),
    ("numbers", "SELECT number FROM projects", ["path.number"]),
    ("categories", "SELECT code FROM categories WHERE level = 2",
     ["path.code", "body.category_code", "query.category"]),
    ("communities", "SELECT code FROM areas WHERE level = 'community' AND code = ANY($1)",
     ["body.community_code", "body.area_communities[*]", "query.community"]),
    ("grids", "SELECT code FROM areas WHERE level = 'grid' AND parent_code = ANY($1)", ["body.grid_code"]),
    ("areas", "SELECT code FROM areas WHERE level IN ('district', 'street')", ["body.home_area", "query.street"]),
]


@dataclass
class Run:
    caller: str
    returncode: int
    report: str


async def _demo_database(admin: str, name: str, username: str | None) -> tuple[str, dict[str, list]]:
    """A database of its own with the demo county, and the names of its rows for the caller."""
    dsn = await migrated_database(admin, name)
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        summary = await load_demo(pool, seed=7)
        community = await pool.fetchval("SELECT community_code FROM accounts WHERE username = $1", username)
        communities = [community] if community else [
            r[0] for r in await pool.fetch("SELECT code FROM areas WHERE level = 'community'")]
        names = {name: [r[0] for r in await (pool.fetch(sql, communities) if "$1" in sql else pool.fetch(sql))]
                 for name, sql, _ in _DEMO_NAMES}
    finally:
        await pool.close()
    names["tokens"] = [token for _, token in summary.closing_links]
    return dsn, names


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # TOML's strings, numbers and arrays read alike


def _config(username: str | None, names: dict[str, list]) -> str:
    uses = {name: where for name, _, where in _DEMO_NAMES} | {"tokens": ["path.token"]}
    lines = [
        *([f"seed = {int(SEED)}"] if SEED else []),
        "workers = 1",
        "continue-on-failure = true",
        # four runs share two cores: slow is not wrong, neither a request nor a generated case
        "request-timeout = 60",
        'suppress-health-check = ["too_slow"]',
        f'hooks = "{HOOKS}"',
        "[generation]",
        f"max-examples = {EXAMPLES}",
        f"deterministic = {'false' if SEED else 'true'}",
        # a request the schema allows may still name a row that is not there (see contract_hooks.py)
        "[checks.positive_data_acceptance]",
        'expected-statuses = ["2xx", "3xx", 401, 403, 404, 409, 422, 429]',
        "[parameters]",
        *(f'"{where}" = {{ dictionary = "{name}", probability = 0.5 }}'
          for name, wheres in uses.items() if names[name] for where in wheres),
        *(f"[dictionaries.{name}]\nvalues = {_toml(values)}" for name, values in names.items() if values),
    ]
    if username is not None:
        # logging in again after a 401 (the run may log itself out)
        lines += [
            "[auth.dynamic.openapi.bearer]",
            'path = "/api/v1/auth/login"',
            f'payload = {{ username = "{username}", password = "{DEMO_PASSWORD}" }}',
            'extract_selector = "/token"',
        ]
    return "\n".join(lines) + "\n"


async def _run(caller: str, admin: str, name: str, workdir: Path) -> Run:
    username = CALLERS[caller]
    dsn, names = await _demo_database(admin, name, username)
    server = TestServer(create_app(load_settings(database_url=dsn)), host="127.0.0.1")
    await server.start_server()
    try:
        workdir.mkdir()
        config = workdir / "schemathesis.toml"
        config.write_text(_config(username, names))
        only_public = "^(" + "|".join(PUBLIC) + ")$"
        args = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
                str(server.make_url("/api/v1/openapi.json")), "--checks", "all", "--no-color",
                # (signed in, failed logins would count against the address the run logs in from)
                "--include-operation-id-regex" if username is None else "--exclude-operation-id-regex",
                only_public]
        proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT,
                                                    env={**os.environ, "NO_COLOR": "1"}, cwd=workdir)
        out, _ = await proc.communicate()
        report = out.decode(errors="replace")
        (workdir / "report.txt").write_text(report)
        return Run(caller, proc.returncode or 0, report)
    finally:
        await server.close()


@pytest.fixture(scope="module")
async def contract_runs(database_dsn, tmp_path_factory):
    """Every caller's run, side by side, each on a database of its own that is dropped after."""
    admin = _admin_dsn()
    base = f"sandan_contract_{uuid.uuid4().hex[:8]}"
    workdir = tmp_path_factory.mktemp("contract")
    try:
        runs = await asyncio.gather(*(_run(caller, admin, f"{base}_{caller}", workdir / caller)
                                      for caller in CALLERS))
    finally:
        conn = await asyncpg.connect(admin)
        try:
            for caller in CALLERS:
                await conn.execute(f'DROP DATABASE IF EXISTS "{base}_{caller}" WITH (FORCE)')
        finally:
            await conn.close()
    return {run.caller: run for run in runs}


@pytest.mark.parametrize("caller", CALLERS)
async def test_the_server_keeps_its_openapi_contract(contract_runs, caller):
    run = contract_runs[caller]
    assert run.returncode == 0, run.report
