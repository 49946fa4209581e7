"""``python3 dev.py``: installers quiet unless they fail."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dev


# ---------------------------------------------------------------- installers' output


def test_an_installer_that_succeeds_shows_nothing(capfd):
    dev.run_quietly([sys.executable, "-c", "import sys; print('!! Editable installation'); print('note', file=sys.stderr)"])
    assert capfd.readouterr() == ("", "")


def test_an_installer_that_fails_shows_all_it_said_and_stops(capfd):
    cmd = [sys.executable, "-c", "import sys; print('Collecting sandan'); sys.exit('ERROR: No matching distribution')"]
    with pytest.raises(subprocess.CalledProcessError) as failed:
        dev.run_quietly(cmd)
    assert failed.value.returncode == 1
    out, err = capfd.readouterr()
    assert out == "" and "Collecting sandan" in err and "ERROR: No matching distribution" in err
