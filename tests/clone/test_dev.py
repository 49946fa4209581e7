"""``python3 dev.py``: installers quiet unless they fail, and a browser for the browser test found,
installed or downloaded, or else one line that says what to install."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dev


def _script(tmp_path: Path, name: str, body: str = "exit 0") -> Path:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


# ---------------------------------------------------------------- installers' output


def test_an_installer_that_succeeds_shows_nothing(capfd):
    dev.run_quietly([sys.executable, "-c",
                     "import sys; print('!! Editable installation'); print('note', file=sys.stderr)"])
    assert capfd.readouterr() == ("", "")


def test_an_installer_that_fails_shows_all_it_said_and_stops(capfd):
    cmd = [sys.executable, "-c", "import sys; print('Collecting sandan'); sys.exit('ERROR: No matching distribution')"]
    with pytest.raises(subprocess.CalledProcessError) as failed:
        dev.run_quietly(cmd)
    assert failed.value.returncode == 1
    out, err = capfd.readouterr()
    assert out == "" and "Collecting sandan" in err and "ERROR: No matching distribution" in err


# ---------------------------------------------------------------- Playwright's download


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie is dead, only not yet reaped


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_download_stops_at_its_first_failed_attempt_with_everything_it_started(tmp_path, capfd):
    pidfile = tmp_path / "child.pid"
    # like `playwright install`: a driver process that downloads, fails, and would try again
    fake = _script(tmp_path, "install", f"""sleep 60 & echo $! > {pidfile}
echo "Downloading Chromium from https://cdn.example/chromium.zip"
echo "Error: getaddrinfo ENOTFOUND cdn.example"
sleep 60""")
    started = time.monotonic()
    assert dev.download_once([str(fake)], timeout=50) is False
    assert time.monotonic() - started < 20
    time.sleep(0.2)
    assert not _alive(int(pidfile.read_text()))
    assert capfd.readouterr() == ("", "")  # quietly


def test_a_download_that_hangs_is_stopped_at_its_time_limit(tmp_path):
    fake = _script(tmp_path, "install", 'echo "Downloading Chromium"\nsleep 60')
    started = time.monotonic()
    assert dev.download_once([str(fake)], timeout=1) is False
    assert time.monotonic() - started < 15


def test_a_download_that_finishes_succeeds(tmp_path):
    fake = _script(tmp_path, "install", 'echo "Downloading Chromium"\necho "Chromium downloaded to /x"')
    assert dev.download_once([str(fake)], timeout=30) is True


# ---------------------------------------------------------------- finding Chromium


def test_sandan_chromium_is_used_and_only_it(tmp_path, monkeypatch):
    mine = _script(tmp_path, "my-chromium")
    monkeypatch.setenv("PATH", str(_script(tmp_path, "chromium").parent))
    monkeypatch.setenv("SANDAN_CHROMIUM", str(mine))
    assert dev.find_chromium() == str(mine)
    monkeypatch.setenv("SANDAN_CHROMIUM", str(tmp_path / "missing"))
    assert dev.find_chromium() is None  # a wrong setting is not quietly replaced by another browser


def test_the_systems_chromium_is_found_on_the_path(tmp_path, monkeypatch):
    monkeypatch.delenv("SANDAN_CHROMIUM", raising=False)
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert dev.find_chromium() is None
    chromium = _script(tmp_path / "bin", "chromium")
    assert dev.find_chromium() == str(chromium)
    chromium.chmod(0o644)  # a file that cannot run is no browser
    assert dev.find_chromium() is None


# ---------------------------------------------------------------- what `dev.py test` does


class Machine:
    """What ensure_browser may find or do, recorded: which chromium and font exist, whether apt
    may run and works, whether the download works."""

    def __init__(self, monkeypatch, *, chromium=None, font=False, apt=False, apt_works=False, download_works=False):
        self.chromium, self.font = chromium, font
        self.apt_calls: list[list[str]] = []
        self.downloads = 0

        def apt_install(packages):
            self.apt_calls.append(packages)
            if apt_works:
                self.chromium = self.chromium or "/usr/bin/chromium"
                self.font = True
            return apt_works

        def download_once(cmd, timeout=dev.DOWNLOAD_SECONDS):
            self.downloads += 1
            if download_works:
                self.chromium = "/home/u/.cache/ms-playwright/chromium/chrome"
            return download_works

        monkeypatch.setattr(dev, "find_chromium", lambda python=None: self.chromium)
        monkeypatch.setattr(dev, "has_chinese_font", lambda: self.font)
        monkeypatch.setattr(dev, "can_apt", lambda: apt)
        monkeypatch.setattr(dev, "apt_install", apt_install)
        monkeypatch.setattr(dev, "download_once", download_once)


def test_the_systems_chromium_and_font_are_used_as_they_are(monkeypatch, capsys):
    m = Machine(monkeypatch, chromium="/usr/bin/chromium", font=True, apt=True)
    assert dev.ensure_browser() == "/usr/bin/chromium"
    assert (m.apt_calls, m.downloads, capsys.readouterr().out) == ([], 0, "")


def test_as_root_apt_installs_only_what_is_missing(monkeypatch, capsys):
    m = Machine(monkeypatch, chromium="/usr/bin/chromium", font=False, apt=True, apt_works=True)
    assert dev.ensure_browser() == "/usr/bin/chromium"
    assert (m.apt_calls, m.downloads) == ([["fonts-wqy-microhei"]], 0)
    assert capsys.readouterr().out == "[dev] installing fonts-wqy-microhei with apt-get, for the browser test\n"

    m = Machine(monkeypatch, font=False, apt=True, apt_works=True)
    assert dev.ensure_browser() == "/usr/bin/chromium"
    assert (m.apt_calls, m.downloads) == ([["chromium", "fonts-wqy-microhei"]], 0)


def test_without_apt_playwrights_chromium_is_downloaded(monkeypatch, capsys):
    m = Machine(monkeypatch, font=True, download_works=True)
    assert dev.ensure_browser() == m.chromium
    assert (m.apt_calls, m.downloads) == ([], 1)
    assert dev.BROWSER_HELP not in capsys.readouterr().out


@pytest.mark.parametrize("apt", [False, True], ids=["ordinary user", "root, apt fails"])
def test_with_no_way_to_a_browser_one_line_says_what_to_install(monkeypatch, capsys, apt):
    m = Machine(monkeypatch, font=False, apt=apt)
    assert dev.ensure_browser() is None
    assert m.downloads == 1  # once
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"[dev] {dev.BROWSER_HELP}"
    assert [line for line in out if "sudo apt install" in line] == [out[-1]]  # one line, not one per lack


def test_dev_py_test_hands_its_chromium_to_the_tests(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(dev, "ensure_venv", lambda: None)
    monkeypatch.setattr(dev, "ensure_installed", lambda extras: calls.append(extras))
    monkeypatch.setattr(dev, "gate", lambda: True)  # tests/clone/test_gate.py: when it fails
    monkeypatch.setattr(dev, "ensure_browser", lambda: "/opt/chromium/chrome")
    monkeypatch.setattr(dev, "run_foreground", lambda cmd, env: calls.append((cmd[-1], env["SANDAN_CHROMIUM"])) or 0)
    assert dev.test(["-q"]) == 0
    assert calls == ["test,bench", ("-q", "/opt/chromium/chrome")]
    assert os.environ.get("SANDAN_CHROMIUM") != "/opt/chromium/chrome"  # the caller's own is untouched
