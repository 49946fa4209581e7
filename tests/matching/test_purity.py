"""The engine stays pure: importing it must not pull in the database, HTTP or cache layers."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import matching

FORBIDDEN = ("asyncpg", "aiohttp", "aiocache", "catalog", "api")


def test_matching_imports_nothing_from_the_outer_layers():
    mods = ["matching"] + [f"matching.{m.name}" for m in pkgutil.iter_modules(matching.__path__)]
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"matching loaded {out.stdout.strip()}"
