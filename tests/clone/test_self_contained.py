"""A clone carries everything its tests and benchmarks read: nothing reaches outside it.

A path such as ``../shared/data`` works on the machine it was written on and nowhere else: a
user's clone has no such sibling folder, and the test suite stops at collection.
"""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GAP = ROOT / "benchmarks" / "data" / "gap"

# A parent folder's ``shared`` folder, or a ``shared`` folder holding ``data``, however the path
# is spelt: ``../shared``, ``".." / "shared"``, ``os.path.join("..", "shared")``, ``"shared" / "data"``.
_SEP = r"""["']?\s*[/\\,]\s*["']?"""
OUTSIDE = [re.compile(r"\.\." + _SEP + r"shared\b"), re.compile(r"\bshared" + _SEP + r"data\b")]


def tracked_files() -> list[Path]:
    """The files a clone gets: git's list when this is a checkout, else every file but caches."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode == 0 and listed.stdout:
        return [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "build", "dist"}
    return [p for p in ROOT.rglob("*")
            if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)]


def reaching_outside(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line naming a path outside the clone."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)
            if any(p.search(line) for p in OUTSIDE)]


def test_no_tracked_file_reads_from_outside_the_clone():
    found = []
    for path in tracked_files():
        if path == Path(__file__).resolve():
            continue  # the examples of what not to write, below
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # pictures; a file deleted but not yet committed
        found += [f"{path.relative_to(ROOT)}:{n}: {line}" for n, line in reaching_outside(text)]
    assert found == [], "paths outside the clone (ship the data under the project instead):\n" + "\n".join(found)


def test_the_check_recognises_every_spelling_of_the_outside_path():
    spelt = ['REPO / ".." / "shared" / "data" / "gap"', "open('../shared/data/gap/optima.csv')",
             'os.path.join("..", "shared", "gap")', "ROOT.parent / 'shared' / 'data'",
             r"..\shared\data", "see ../shared for the instances"]
    assert [line for line in spelt if not reaching_outside(line)] == []
    fine = ['REPO / "benchmarks" / "data" / "gap"', "the machine is shared with other runs",
            "shared data structures", "a shared/cache folder"]
    assert [line for line in fine if reaching_outside(line)] == []


def test_the_gap_instances_ship_with_their_source_and_licence():
    assert "MIT License" in (GAP / "LICENSE-source.txt").read_text()
    assert "OR-Library" in (GAP / "README.md").read_text()
    with open(GAP / "optima.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 84  # Cattrysse 1994 (60) and Chu-Beasley 1997 (24)
    assert [r["Path"] for r in rows if not (GAP / r["Path"]).is_file()] == []
    tracked = {p.relative_to(GAP).as_posix() for p in tracked_files() if GAP in p.parents}
    assert {r["Path"] for r in rows} | {"LICENSE-source.txt", "README.md", "optima.csv"} <= tracked
