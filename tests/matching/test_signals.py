"""The engine leaves the process's signal handling alone.

CP-SAT by default catches Ctrl-C while it solves and afterwards resets SIGINT to the system's
default. In a process that solved once (the service that loaded the demo county, a batch run),
Ctrl-C then killed it on the spot: no graceful shutdown, no rollback, no exit handlers (the one
that stops the embedded database among them).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent(
    """
    import os, signal, sys, time
    from ortools.sat.python import cp_model
    from matching import Params
    from tests.matching.conftest import at, checked, problem, proj, res

    solves = []
    cp_solve = cp_model.CpSolver.solve

    def counted(self, *args, **kwargs):
        solves.append(1)
        return cp_solve(self, *args, **kwargs)

    cp_model.CpSolver.solve = counted
    # Python's own Ctrl-C handling, as in a process started from a terminal; one started in the
    # background by a shell inherits SIGINT ignored and would never see it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # hours budgets and counts together: the instances go through the engine's CP-SAT models
    projects = [proj(f"P{i}", hours=1 + i % 3, point=at(0.2 * i)) for i in range(12)]
    resources = [res(f"R{j}", capacity=2 + j % 2, hours_budget=5 + j, point=at(0.5 * j)) for j in range(4)]
    checked(problem(projects, resources), Params(), seed=3)
    assert solves, "the instance never reached CP-SAT"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, signal.getsignal(signal.SIGINT)
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    """
)


def test_ctrl_c_after_a_solve_still_interrupts_instead_of_killing():
    run = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0 and run.stdout.strip() == "interrupted", (run.returncode, run.stderr[-2000:])
