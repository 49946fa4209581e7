#!/usr/bin/env python3
"""Set up and run sandan from a fresh clone with nothing but Python 3.11+.

    python3 dev.py serve   # own environment, install, start on the embedded database with demo data
    python3 dev.py test    # own environment, install with test extras, run the whole test suite

The environment lives in ``.venv`` beside this file and is reinstalled only when
``pyproject.toml`` changes. Extra arguments after ``serve`` go to ``sandan serve``; after ``test``
they go to pytest.
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
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, env=env)
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT, env=env)
    stamp.write_text(digest)


def run_foreground(cmd: list[str]) -> int:
    """Run ``cmd`` and wait for it, through Ctrl-C too.

    Ctrl-C reaches the child from the terminal as well, and the child shuts down in its own time:
    the service lets requests finish, closes its pool and, as the last user of the embedded
    database, stops it. ``subprocess.call`` would kill the child a quarter of a second after
    Ctrl-C, before any of that, and leave the database running."""
    with subprocess.Popen(cmd, cwd=ROOT) as proc:
        while True:
            try:
                return proc.wait()
            except KeyboardInterrupt:
                continue


def serve(args: list[str]) -> int:
    ensure_venv()
    ensure_installed("")
    say("starting the service with the demo county (embedded PostgreSQL unless SANDAN_DATABASE_URL is set)")
    return run_foreground([str(BIN / "sandan"), "serve", "--demo", *args])


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
    return run_foreground([str(PY), "-m", "pytest", *args])


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
