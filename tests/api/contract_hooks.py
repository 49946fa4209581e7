"""A check schemathesis adds to its own in tests/api/test_contract.py (loaded by file path).

Schemathesis's positive_data_acceptance is told to let 422 pass, because a request the schema
allows may still name a category, a community or a unit the database has not got, or reuse an
Idempotency-Key: the schema describes requests, not the rows behind them. This check takes that
leeway back for everything else: a schema-valid request must never be refused for its shape.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from catalog.shapes import BEYOND_SCHEMA

# 422 reason codes that depend on what is stored, not on the request's shape.
STATE_CODES = frozenset({
    "unknown_category", "category_retired", "category_too_deep", "unknown_community", "unknown_area",
    "bad_parent_area", "unknown_unit", "unknown_reference", "grid_not_in_community", "resource_not_of_unit",
    "idempotency_key_reused", "inconsistent_edit",
})


def _error(response: Any) -> dict[str, Any]:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return {}
    return error if isinstance(error, dict) else {}


@schemathesis.check
def schema_valid_request_is_not_refused_for_its_shape(ctx: Any, response: Any, case: Any) -> None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    error = _error(response)
    code = error.get("code")
    if response.status_code == 422 and code in STATE_CODES:
        return None
    details = error.get("details") or {}
    types = {e.get("type") for e in details.get("errors", [])} if code == "invalid_input" else set()
    if response.status_code == 422 and types and types <= BEYOND_SCHEMA:
        return None
    raise AssertionError(f"A request the schema allows was refused for its shape: {code} {details}")
