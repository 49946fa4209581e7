"""The gate (ruff, mypy, lint-imports) that ``python3 dev.py test`` runs before the tests: it
stops the tests when it fails, sums up each failing tool in one line, and its settings in
pyproject.toml say what they mean to (mypy strict on the engine alone, the import contracts
catching what they name)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import dev

ROOT = Path(__file__).resolve().parents[2]


def _script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


# ---------------------------------------------------------------- dev.py


def test_a_failing_gate_stops_the_tests_before_the_browser_is_looked_for(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(dev, "ensure_venv", lambda: None)
    monkeypatch.setattr(dev, "ensure_installed", lambda extras: None)
    monkeypatch.setattr(dev, "gate", lambda: False)
    monkeypatch.setattr(dev, "ensure_browser", lambda: calls.append("browser"))
    monkeypatch.setattr(dev, "run_foreground", lambda cmd, env=None: calls.append(cmd) or 0)
    assert dev.test([]) == 1
    assert calls == []
    assert "python3 dev.py lint" in capsys.readouterr().out.splitlines()[-1]


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    """The gate's steps as shell scripts in tmp_path: ``fake_tools(name=body)``."""
    def make(**bodies: str) -> None:
        for name, body in bodies.items():
            _script(tmp_path, name, body)
    monkeypatch.setattr(dev, "tool", lambda name: tmp_path / name)
    return make


@pytest.mark.skipif(sys.platform == "win32", reason="shell scripts")
def test_the_gate_runs_every_step_and_sums_up_each_that_fails(fake_tools, capfd):
    fake_tools(
        ruff="""echo 'api/app.py:3:1: I001 [*] Import block is un-sorted or un-formatted'
echo 'api/app.py:9:9: F841 Local variable `m` is assigned to but never used'
echo 'Found 2 errors.'
echo '[*] 1 fixable with the `--fix` option.'
exit 1""",
        mypy="echo 'Success: no issues found in 3 source files'",
        **{"lint-imports": """echo 'Layers: api uses catalog, catalog uses matching KEPT'
echo "api uses only catalog's public doors BROKEN (3 ignored imports)"
echo 'Contracts: 1 kept, 1 broken.'
echo '-   api.app -> catalog.lists.team (l.4)'
exit 1"""},
    )
    assert dev.gate() is False
    lines = capfd.readouterr().out.splitlines()
    assert "api/app.py:9:9: F841 Local variable `m` is assigned to but never used" in lines
    assert "-   api.app -> catalog.lists.team (l.4)" in lines
    assert "Success: no issues found in 3 source files" not in lines  # a step that passes says nothing
    ruff = os.path.relpath(dev.tool("ruff"), dev.ROOT)
    assert [line for line in lines if line.startswith("[dev]")] == [  # one line for each that failed
        "[dev] the gate: ruff, mypy, lint-imports",
        f"[dev] ruff failed: Found 2 errors. (1 fixable with `{ruff} check --fix`)",
        "[dev] lint-imports failed: Contracts: 1 kept, 1 broken. Broken: api uses only catalog's public doors",
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="shell scripts")
def test_a_step_that_crashes_or_is_missing_fails_the_gate_too(fake_tools, capfd):
    fake_tools(ruff="exit 0", mypy="echo 'pyproject.toml: [mypy]: bad option' >&2; exit 2")  # no lint-imports
    assert dev.gate() is False
    out = capfd.readouterr().out
    assert "pyproject.toml: [mypy]: bad option" in out  # stderr is shown as well
    assert "[dev] mypy failed (exit 2)" in out
    assert "[dev] lint-imports failed: cannot run " in out


@pytest.mark.skipif(sys.platform == "win32", reason="shell scripts")
def test_a_gate_that_passes_says_only_that_it_ran(fake_tools, capfd):
    fake_tools(ruff="echo 'All checks passed!'", mypy="exit 0", **{"lint-imports": "exit 0"})
    assert dev.gate() is True
    assert capfd.readouterr().out == "[dev] the gate: ruff, mypy, lint-imports\n"


# ---------------------------------------------------------------- mypy's settings


def test_mypy_is_strict_on_the_engine_and_only_there():
    """``strict = true`` in a per-module section would switch the strict flags on for every
    module; the engine's section lists them one by one instead."""
    from mypy.config_parser import parse_config_file
    from mypy.options import Options

    options, strict_everywhere = Options(), []
    parse_config_file(options, lambda: strict_everywhere.append(True), str(ROOT / "pyproject.toml"),
                      stdout=io.StringIO(), stderr=io.StringIO())
    assert strict_everywhere == []
    for module in ("matching", "matching.solve", "matching.gap"):
        engine = options.clone_for_module(module)
        assert engine.disallow_untyped_defs and engine.disallow_any_generics and engine.warn_return_any
        assert engine.check_untyped_defs and not engine.implicit_reexport
    for module in ("catalog.models", "api.app", "tests.matching.test_engine", "dev"):
        other = options.clone_for_module(module)
        assert not other.disallow_untyped_defs and not other.warn_return_any, module
        assert other.strict_equality and other.warn_unused_ignores, module  # everywhere


# ---------------------------------------------------------------- the import contracts


def _project(root: Path, files: dict[str, str]) -> Path:
    """A small project named like ours, with our import contracts, in ``root``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for package in ("matching", "catalog", "catalog.lists", "catalog.storage", "api", "api.web"):
        folder = root.joinpath(*package.split("."))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").touch()
    for name, text in files.items():
        root.joinpath(*name.split(".")).with_suffix(".py").write_text(text)
    (root / "pyproject.toml").write_text(_toml(config))
    return root


def _toml(config: dict) -> str:
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    head = [f"{k} = {value(v)}" for k, v in config.items() if k != "contracts"]
    text = "[tool.importlinter]\n" + "\n".join(head) + "\n"
    for contract in config["contracts"]:
        text += "\n[[tool.importlinter.contracts]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in contract.items())
    return text


def _lint_imports(root: Path) -> str:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("lint-imports is not installed (the test extra installs it)")
    done = subprocess.run([lint, "--no-logo", "--no-cache"], cwd=root, capture_output=True, text=True,
                          timeout=120)
    return done.stdout + done.stderr


CLEAN = {
    "matching.solve": "import numpy\n",
    "catalog.lists.team": "from matching import solve\n",
    "catalog.storage.settings": "",
    "catalog.scoped": "from catalog.lists import team\n",
    "catalog.models": "",
    "api.web.pages": "from catalog import scoped\nfrom catalog.models import x\nfrom catalog.storage import settings\n",
}


def test_the_import_contracts_keep_a_project_that_follows_them(tmp_path):
    out = _lint_imports(_project(tmp_path, CLEAN))
    assert "Contracts: 3 kept, 0 broken." in out, out  # catalog.scoped may use the rest of catalog


LAYERS, PURE, DOORS = "Layers", "matching is pure", "api uses only catalog's public doors"


@pytest.mark.parametrize(("module", "text", "broken"), [
    ("catalog.lists.team", "from api.web import pages\n", [LAYERS]),
    ("matching.solve", "from catalog.storage import settings\n", [LAYERS, PURE]),
    ("matching.solve", "import asyncpg\n", [PURE]),
    ("api.web.pages", "from catalog.lists import team\n", [DOORS]),
], ids=["catalog imports api", "matching imports catalog", "matching imports asyncpg",
        "api passes by catalog.scoped"])
def test_the_import_contracts_catch_what_they_name(tmp_path, module, text, broken):
    files = dict(CLEAN)
    files[module] = files.get(module, "") + text
    out = _lint_imports(_project(tmp_path, files))
    assert f"Contracts: {3 - len(broken)} kept, {len(broken)} broken." in out, out
    found = [line for line in out.splitlines() if line.endswith(" BROKEN") or " BROKEN (" in line]
    assert [prefix for prefix in broken if any(line.startswith(prefix) for line in found)] == broken, out
