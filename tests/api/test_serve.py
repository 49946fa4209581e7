"""``sandan serve`` as an operator runs it: several workers on one port, stopped by SIGTERM."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=15) as r:  # generous: CI machines can be busy
        return json.loads(r.read())


def test_two_workers_share_the_port_and_stop_cleanly_on_sigterm(database_dsn, db, tmp_path):
    port = _free_port()
    env = dict(os.environ, SANDAN_DATABASE_URL=database_dsn, SANDAN_WORKERS="2", SANDAN_PORT=str(port))
    # The log goes to a file: a pipe nobody reads fills up with a line per request while the
    # second worker starts, and then blocks the workers that write to it.
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], env=env,
                                stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        line = proc.stdout.readline()  # printed once the workers answer
        assert f"http://127.0.0.1:{port}/" in line, log.read_text() if proc.poll() is not None else line
        pids = set()
        deadline = time.monotonic() + 60
        # the kernel spreads new connections over both listening workers
        while len(pids) < 2 and time.monotonic() < deadline:
            pids.add(_get(f"http://127.0.0.1:{port}/healthz")["pid"])
        assert len(pids) == 2
        assert _get(f"http://127.0.0.1:{port}/readyz")["database"] == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    with socket.socket() as s:  # nobody listens any more
        assert s.connect_ex(("127.0.0.1", port)) != 0
