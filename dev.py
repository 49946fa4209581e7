#!/usr/bin/env python3
"""Set up and run sandan from a fresh clone with nothing but Python 3.11+.

    python3 dev.py serve   # own environment, install, start on the embedded database with demo data
    python3 dev.py test    # own environment, install with test extras, run the whole test suite

The environment lives in ``.venv`` beside this file and is reinstalled only when
``pyproject.toml`` changes. Extra arguments after ``serve`` go to ``sandan serve``; after ``test``
they go to pytest. Progress is one ``[dev]`` line a step; what the installers print is shown only
when they fail.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

NO_VENV_HELP = """\
Could not create a virtual environment with `python3 -m venv`.
On Debian or Ubuntu install the venv module first:   sudo apt install python3-venv
(for a specific version, e.g. python3.12-venv). On other systems install Python 3.11+ from
python.org, which includes venv. Then run this command again."""


def say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def ensure_python() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"sandan needs Python 3.11 or newer; this is {sys.version.split()[0]}.")


def ensure_venv() -> None:
    if PY.exists():
        return
    say(f"creating the environment in {VENV}")
    try:
        import venv  # noqa: F401
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    except (ImportError, subprocess.CalledProcessError):
        sys.exit(NO_VENV_HELP)
    if not PY.exists():
        sys.exit(NO_VENV_HELP)


def ensure_installed(extras: str) -> None:
    """pip install the project (editable) with ``extras``, unless already done for this pyproject."""
    stamp = VENV / f".sandan-installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    say(f"installing sandan{f'[{extras}]' if extras else ''} and its dependencies (first run takes a minute)")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    # Kept back unless pip fails: setuptools' notes on editable installs, and warnings about the
    # machine's own pip configuration, are nothing a newcomer can act on.
    pip = [str(PY), "-m", "pip", "install", "--quiet", "--no-input"]
    run_quietly([*pip, "--upgrade", "pip"], env=env)
    run_quietly([*pip, "-e", target], env=env)
    stamp.write_text(digest)


def run_quietly(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None) -> None:
    """Run ``cmd`` with its output held back: nothing is shown when it succeeds; when it fails its
    output goes to stderr and ``CalledProcessError`` is raised (``TimeoutExpired`` past ``timeout``)."""
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", timeout=timeout)
    if done.returncode != 0:
        sys.stderr.write(done.stdout)
        sys.stderr.flush()
        raise subprocess.CalledProcessError(done.returncode, cmd)


def serve(args: list[str]) -> int:
    ensure_venv()
    ensure_installed("")
    say("starting the service with the demo county (embedded PostgreSQL unless SANDAN_DATABASE_URL is set)")
    return subprocess.call([str(BIN / "sandan"), "serve", "--demo", *args], cwd=ROOT)


def ensure_browser() -> None:
    """The page tests drive Chromium: the system's (Debian: ``apt install chromium``) or, when
    there is none, the one Playwright downloads into the user's cache (once)."""
    if any(shutil.which(n) for n in ("chromium", "chromium-browser")) or Path("/usr/bin/chromium").exists():
        return
    probe = "from playwright.sync_api import sync_playwright as s\nwith s() as p: print(p.chromium.executable_path)"
    found = subprocess.run([str(PY), "-c", probe], capture_output=True, text=True)
    if found.returncode == 0 and Path(found.stdout.strip()).exists():
        return
    say("no Chromium for the page tests: downloading Playwright's (once)")
    if subprocess.call([str(PY), "-m", "playwright", "install", "chromium"], cwd=ROOT) != 0:
        say("could not download Chromium; install your system's chromium package, or the browser test will fail")


def test(args: list[str]) -> int:
    ensure_venv()
    ensure_installed("test,bench")
    ensure_browser()
    say("running the test suite")
    return subprocess.call([str(PY), "-m", "pytest", *args], cwd=ROOT)


def main() -> int:
    ensure_python()
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    try:
        return commands[sys.argv[1]](sys.argv[2:])
    except KeyboardInterrupt:
        return 130
    except subprocess.CalledProcessError as exc:
        say(f"failed: {' '.join(map(str, exc.cmd))} (exit {exc.returncode})")
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main())
