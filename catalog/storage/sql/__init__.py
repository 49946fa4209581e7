"""SQL lives in ``.sql`` files and is loaded by name.

``queries/*.sql`` hold named queries, each introduced by a line ``-- name: some_query`` and using
``$n`` parameters only. Keeping them out of Python lets a test prepare every one of them against a
freshly migrated database, so a renamed column fails in CI rather than in production.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def _split(text: str, origin: str) -> dict[str, str]:
    parts = _NAME.split(text)
    found: dict[str, str] = {}
    # parts = [preamble, name1, body1, name2, body2, ...]
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in found:
            raise ValueError(f"query {name!r} defined twice ({origin})")
        found[name] = body.strip()
    return found


@cache
def queries() -> dict[str, str]:
    """Every named query of every file in ``queries/``."""
    out: dict[str, str] = {}
    folder = resources.files(__package__) / "queries"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            for name, body in _split(entry.read_text("utf-8"), entry.name).items():
                if name in out:
                    raise ValueError(f"query {name!r} defined in two files")
                out[name] = body
    return out


def q(name: str) -> str:
    """The text of query ``name``; a KeyError names the missing query."""
    try:
        return queries()[name]
    except KeyError:
        raise KeyError(f"no SQL query named {name!r}") from None


def migrations() -> list[tuple[int, str, str]]:
    """``(number, name, sql)`` for every file ``migrations/NNNN_name.sql``, in order."""
    folder = resources.files(__package__) / "migrations"
    out = []
    for entry in folder.iterdir():
        m = re.fullmatch(r"(\d{4})_([a-z0-9_]+)\.sql", entry.name)
        if m:
            out.append((int(m.group(1)), m.group(2), entry.read_text("utf-8")))
    out.sort()
    numbers = [n for n, _, _ in out]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"migrations must be numbered 1..n without gaps, found {numbers}")
    return out
