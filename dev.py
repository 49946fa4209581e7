#!/usr/bin/env python3
"""Set up and run sandan from a fresh clone with nothing but Python 3.11+.

    python3 dev.py serve   # own environment, install, start on the embedded database with demo data
    python3 dev.py test    # own environment, install with test extras, the gate, a browser, the whole test suite
    python3 dev.py lint    # own environment, install with test extras, the gate alone

The environment lives in ``.venv`` beside this file and is reinstalled only when
``pyproject.toml`` changes. Extra arguments after ``serve`` go to ``sandan serve``; after ``test``
they go to pytest. Progress is one ``[dev]`` line a step; what the installers print is shown only
when they fail.

The gate is ruff, mypy and lint-imports, with the settings in ``pyproject.toml``. ``test`` runs it
first and stops, without running the tests, when any of them fails; each that fails prints what it
found and then one ``[dev]`` line that sums it up.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
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

# The one line that says what the browser test lacks: printed by ``test`` and given by the test
# itself as the reason it fails (tests/web/test_browser.py reads it from here).
BROWSER_HELP = ("no Chromium for the browser test (tests/web/test_browser.py): install your system's "
                "chromium (Debian/Ubuntu: sudo apt install chromium fonts-wqy-microhei) "
                "or set SANDAN_CHROMIUM to a Chromium binary")
FONT_HELP = ("no Chinese font: the browser test's pages and screenshots will show boxes instead of "
             "characters (Debian/Ubuntu: sudo apt install fonts-wqy-microhei)")
# The gate: (name, arguments after the tool in .venv, the pattern of the tool's own summary line).
# Each reads its settings from pyproject.toml; .pre-commit-config.yaml runs the same three.
GATE = [
    ("ruff", ["check", "--output-format", "concise", "."], r"^Found \d+ errors?\."),
    ("mypy", [], r"^Found \d+ errors? in \d+ files?"),
    ("lint-imports", ["--no-logo"], r"^Contracts: \d+ kept, \d+ broken\."),
]
APT_SECONDS = 900  # apt-get update, then chromium and a font from the distribution's mirror
DOWNLOAD_SECONDS = 600  # Playwright's Chromium is about 170 MB


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


def run_foreground(cmd: list[str], env: dict[str, str] | None = None) -> int:
    """Run ``cmd`` and wait for it, through Ctrl-C too.

    Ctrl-C reaches the child from the terminal as well, and the child shuts down in its own time:
    the service lets requests finish, closes its pool and, as the last user of the embedded
    database, stops it. ``subprocess.call`` would kill the child a quarter of a second after
    Ctrl-C, before any of that, and leave the database running."""
    with subprocess.Popen(cmd, cwd=ROOT, env=env) as proc:
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


def find_chromium(python: str | None = None) -> str | None:
    """The Chromium the browser test drives: ``SANDAN_CHROMIUM`` when it is set (then nothing
    else), else the system's, else the one Playwright downloaded, asked of ``python`` (an
    interpreter with Playwright installed) when given. None when there is none."""
    chosen = os.environ.get("SANDAN_CHROMIUM")
    if chosen:
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    if python is None:
        return None
    probe = "from playwright.sync_api import sync_playwright as s\nwith s() as p: print(p.chromium.executable_path)"
    try:
        asked = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = asked.stdout.strip()
    return path if asked.returncode == 0 and path and os.path.isfile(path) else None


def has_chinese_font() -> bool:
    try:
        listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listed.returncode == 0 and bool(listed.stdout.strip())


def can_apt() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(packages: list[str]) -> bool:
    """apt-get update, then install ``packages``; apt's output is shown only if it fails."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        run_quietly(["apt-get", "update", "-qq"], env=env, timeout=APT_SECONDS)
        run_quietly(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                    env=env, timeout=APT_SECONDS)
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return False
    return True


def download_once(cmd: list[str], timeout: float = DOWNLOAD_SECONDS) -> bool:
    """Run a browser download (``playwright install chromium``) with its output held back, and
    stop it at its first failed attempt or after ``timeout`` seconds, whichever comes first.

    Playwright tries five times in a row; on a machine that cannot reach its servers that is five
    times the same error, and behind a firewall that drops packets five connection time-outs."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace",
                            start_new_session=True)  # its own process group: stopping it stops node too
    failed = threading.Event()

    def stop(sig: int) -> None:
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, sig)
            else:
                proc.kill()
        except ProcessLookupError:
            pass

    def watch() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Error:") and not failed.is_set():
                failed.set()
                stop(signal.SIGTERM)  # lets Playwright remove its lock on the browsers' folder

    with proc:
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            failed.set()
            stop(signal.SIGTERM)
        watcher.join(5)  # its output ends when every process of the group has gone
        if watcher.is_alive():
            stop(getattr(signal, "SIGKILL", signal.SIGTERM))
            watcher.join(5)
        proc.wait()
    return proc.returncode == 0 and not failed.is_set()


def ensure_browser() -> str | None:
    """The browser test drives Chromium, and its pages need a Chinese font. The system's are used
    when present; else, as root with apt-get, the distribution's are installed; else Playwright
    downloads its Chromium, once. If none of that gives a Chromium, one line says what to install
    (the browser test then fails with that same line). Returns the Chromium found."""
    python = str(PY)
    chromium, font = find_chromium(python), has_chinese_font()
    if not (chromium and font) and can_apt():
        missing = [pkg for pkg, have in (("chromium", chromium), ("fonts-wqy-microhei", font)) if not have]
        say(f"installing {' and '.join(missing)} with apt-get, for the browser test")
        if apt_install(missing):
            chromium, font = find_chromium(python), has_chinese_font()
    if not chromium:
        say("no Chromium on this machine: trying Playwright's download once "
            f"(at most {DOWNLOAD_SECONDS // 60} minutes)")
        if download_once([python, "-m", "playwright", "install", "chromium"]):
            chromium = find_chromium(python)
    if not chromium:
        say(BROWSER_HELP)  # which names the font too
    elif not font:
        say(FONT_HELP)
    return chromium


def tool(name: str) -> Path:
    """A command installed in the environment (the gate's tools)."""
    return BIN / (f"{name}.exe" if os.name == "nt" else name)


def summary(name: str, output: str, pattern: str, returncode: int) -> str:
    """One line for a gate step that failed: the tool's own summary line, and for ruff how many it
    can fix itself, for lint-imports which contracts broke; the exit status when there is none."""
    lines = [line.strip() for line in output.splitlines()]
    found = next((line for line in reversed(lines) if re.match(pattern, line)), None)
    if found is None:
        return f"{name} failed (exit {returncode})"
    if name == "ruff" and (fixable := re.search(r"\[\*\] (\d+) fixable", output)):
        found += f" ({fixable.group(1)} fixable with `{os.path.relpath(tool('ruff'), ROOT)} check --fix`)"
    if name == "lint-imports":
        broken = [line.removesuffix(" BROKEN").rsplit(" BROKEN (", 1)[0] for line in lines
                  if line.endswith(" BROKEN") or " BROKEN (" in line]
        if broken:
            found += " Broken: " + "; ".join(broken)
    return f"{name} failed: {found}"


def gate() -> bool:
    """Run every step of the gate, even after one fails, so one run shows all there is to fix.
    A step that passes prints nothing; one that fails prints its output and one summary line."""
    say(f"the gate: {', '.join(name for name, _, _ in GATE)}")
    passed = True
    for name, args, pattern in GATE:
        try:
            done = subprocess.run([str(tool(name)), *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  errors="replace")
        except OSError as exc:
            say(f"{name} failed: cannot run {tool(name)} ({exc.strerror or exc})")
            passed = False
            continue
        if done.returncode != 0:
            sys.stdout.write(done.stdout.rstrip("\n") + "\n" if done.stdout.strip() else "")
            say(summary(name, done.stdout, pattern, done.returncode))
            passed = False
    return passed


def lint(args: list[str]) -> int:
    if args:
        sys.exit("`python3 dev.py lint` takes no arguments: it checks the whole project.")
    ensure_venv()
    ensure_installed("test,bench")
    if not gate():
        say("the gate failed")
        return 1
    say("the gate passed")
    return 0


def test(args: list[str]) -> int:
    ensure_venv()
    ensure_installed("test,bench")
    if not gate():
        say("the gate failed, so the tests were not run (`python3 dev.py lint` runs the gate alone)")
        return 1
    chromium = ensure_browser()
    env = dict(os.environ, SANDAN_CHROMIUM=chromium) if chromium else None  # the test need not look again
    say("running the test suite")
    return run_foreground([str(PY), "-m", "pytest", *args], env=env)


def main() -> int:
    ensure_python()
    commands = {"serve": serve, "test": test, "lint": lint}
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
