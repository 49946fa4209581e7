"""Hours-budget assignment (GAP): tiny named cases, the OR-Library sets, and properties."""

from __future__ import annotations

import csv
import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from matching.gap import GapResult, gap_violations, solve_gap
from matching.gap.bound import _lagrangian
from matching.gap.cpsat import _cpsat
from matching.gap.exchange import ExchangeSearch, ExchangeWorker, ExchangeWorkerError
from matching.gap.knapsack import _Knapsacks
from matching.gap.local import _exchange_arrays, _exchange_plan, _exchange_result
from matching.gap.neighbourhoods import _lns, _related_agents
from matching.gap.problem import _prepare
from matching.gap.search import _Dense

REPO = Path(__file__).resolve().parents[2]
STATUSES = {"optimal", "feasible", "infeasible", "unknown"}


def _benchmark_module(name: str):
    """A module of ``benchmarks/``, which is a folder of programs, not a package."""
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None, name
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The OR-Library readers are benchmark support, shared with benchmarks/gap_bench.py.
_orlib = _benchmark_module("orlib")
read_orlib, orlib_pairs = _orlib.read_orlib, _orlib.orlib_pairs


def data_dir() -> Path:
    """The public instances the tests and the benchmark share, shipped with the repository."""
    return REPO / "benchmarks" / "data" / "gap"


def optima() -> dict[str, int]:
    with open(data_dir() / "optima.csv", newline="") as fh:
        return {row["Path"]: int(row["Best known solution value"]) for row in csv.DictReader(fh)}


def check(result: GapResult, profit, job, agent, weight, capacity, *, must_assign=False,
          n_jobs=None) -> None:
    """Every test runs its result through here: feasible, objective recomputed, bound valid."""
    assert result.status in STATUSES
    n = n_jobs if n_jobs is not None else (int(np.max(job)) + 1 if len(job) else 0)
    assign = np.asarray(result.assign)
    assert assign.shape == (n,)
    if result.status in ("infeasible", "unknown"):
        assert np.all(assign == -1)
        assert result.objective == -math.inf
        if result.status == "infeasible":
            assert result.bound == -math.inf
        return
    # Independent recomputation, plain Python.
    pairs = {(int(j), int(a)): (float(p), int(w))
             for p, j, a, w in zip(profit, job, agent, weight, strict=True)}
    load = [0] * len(capacity)
    total = 0.0
    for j, a in enumerate(assign.tolist()):
        if a == -1:
            assert not must_assign, f"job {j} unassigned"
            continue
        assert (j, a) in pairs, f"job {j} at agent {a} without a pair"
        p, w = pairs[(j, a)]
        load[a] += w
        total += p
    for a, cap in enumerate(capacity):
        assert load[a] <= cap, f"agent {a} over budget: {load[a]} > {cap}"
    assert result.objective == pytest.approx(total, abs=1e-6)
    value, problems = gap_violations(assign, profit, job, agent, weight, capacity,
                                     must_assign=must_assign, n_jobs=n)
    assert problems == [] and value == pytest.approx(total, abs=1e-6)
    assert result.bound >= result.objective - 1e-6
    if result.status == "optimal":
        assert result.bound == pytest.approx(result.objective, abs=1e-6)


def solve_checked(profit, job, agent, weight, capacity, **kw) -> GapResult:
    profit, job, agent, weight, capacity = map(np.asarray, (profit, job, agent, weight, capacity))
    result = solve_gap(profit, job, agent, weight, capacity, **kw)
    check(result, profit, job, agent, weight, capacity, must_assign=kw.get("must_assign", False),
          n_jobs=kw.get("n_jobs"))
    return result


# ------------------------------------------------------------------------------------------
# Tiny named instances


def test_capacity_binds_and_beats_greedy_by_profit():
    # One unit with 10 hours: the 7-profit job (6 h) blocks both 5-profit jobs (5 h each).
    r = solve_checked([7, 5, 5], [0, 1, 2], [0, 0, 0], [6, 5, 5], [10])
    assert r.status == "optimal"
    assert r.assign.tolist() == [-1, 0, 0]
    assert r.objective == 10


def test_job_that_fits_nowhere_stays_unassigned():
    r = solve_checked([3, 9, 9], [0, 1, 1], [0, 0, 1], [2, 11, 12], [10, 10])
    assert r.status == "optimal"
    assert r.assign.tolist() == [0, -1]
    assert r.objective == 3


def test_unprofitable_pair_is_not_used():
    r = solve_checked([0, -2, 4], [0, 1, 2], [0, 0, 0], [1, 1, 1], [5])
    assert r.assign.tolist() == [-1, -1, 0]
    assert r.objective == 4


def test_must_assign_over_budget_is_infeasible():
    r = solve_checked([1, 1], [0, 1], [0, 0], [6, 6], [10], must_assign=True)
    assert r.status == "infeasible"


def test_must_assign_job_without_pair_is_infeasible():
    r = solve_checked([1], [0], [0], [1], [10], n_jobs=2, must_assign=True)
    assert r.status == "infeasible"


def test_must_assign_takes_the_loss_when_it_has_to():
    # Job 0 can only go to agent 0, which then has no room for job 1; job 1 goes to agent 1
    # at a loss because every job must be placed.
    r = solve_checked([5, 4, -3], [0, 1, 1], [0, 0, 1], [4, 4, 4], [5, 5], must_assign=True)
    assert r.status == "optimal"
    assert r.assign.tolist() == [0, 1]
    assert r.objective == 2


def test_trailing_jobs_without_pairs_stay_unassigned():
    r = solve_checked([2], [0], [0], [1], [1], n_jobs=3)
    assert r.assign.tolist() == [0, -1, -1]


def test_float_profits():
    r = solve_checked([0.25, 0.5, 0.125], [0, 1, 2], [0, 0, 1], [1, 1, 1], [1, 1])
    assert r.status == "optimal"
    assert r.assign.tolist() == [-1, 0, 1]
    assert r.objective == pytest.approx(0.625)


def test_ties_are_deterministic():
    # Two identical agents, three identical jobs, room for two: many optima, one answer.
    args = ([1] * 6, [0, 0, 1, 1, 2, 2], [0, 1] * 3, [1] * 6, [1, 1])
    first = solve_checked(*args)
    assert first.objective == 2 and first.status == "optimal"
    for _ in range(3):
        again = solve_checked(*args)
        assert again.assign.tolist() == first.assign.tolist()


def test_duplicate_pair_is_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        solve_gap(np.array([1, 2]), np.array([0, 0]), np.array([0, 0]), np.array([1, 1]),
                  np.array([5]))


def test_empty_problem():
    r = solve_checked(np.zeros(0), np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), [3],
                      n_jobs=2)
    assert r.status == "optimal" and r.objective == 0


# ------------------------------------------------------------------------------------------
# OR-Library


def test_loader_round_trip(tmp_path):
    cost, weight, capacity = read_orlib(data_dir() / "cattrysse1994" / "gap1-0")
    assert cost.shape == weight.shape == (5, 15) and capacity.shape == (5,)
    assert cost[0, :3].tolist() == [17, 21, 22] and capacity.tolist() == [36, 34, 38, 27, 33]
    lines = [f"{cost.shape[0]} {cost.shape[1]}"]
    lines += [" ".join(map(str, row)) for row in cost]
    lines += [" ".join(map(str, row)) for row in weight]
    lines.append(" ".join(map(str, capacity)))
    (tmp_path / "copy").write_text("\n".join(lines) + "\n")
    again = read_orlib(tmp_path / "copy")
    for x, y in zip((cost, weight, capacity), again, strict=True):
        assert np.array_equal(x, y)


CATTRYSSE = sorted(p.name for p in (data_dir() / "cattrysse1994").iterdir())


@pytest.mark.parametrize("name", CATTRYSSE)
def test_cattrysse_optimum(name):
    cost, weight, capacity = read_orlib(data_dir() / "cattrysse1994" / name)
    args = orlib_pairs(cost, weight, capacity)
    r = solve_checked(*args, must_assign=True, time_limit=10.0, wall_guard=False)
    assert -r.objective == optima()[f"cattrysse1994/{name}"]
    assert r.status == "optimal"


# ------------------------------------------------------------------------------------------
# Properties against brute force


def brute_force(profit, job, agent, weight, capacity, n, must_assign):
    options = [[-1] if not must_assign else [] for _ in range(n)]
    table = {}
    for p, j, a, w in zip(profit, job, agent, weight, strict=True):
        options[j].append(a)
        table[(j, a)] = (p, w)
    best = -math.inf
    for choice in itertools.product(*options):
        load = [0] * len(capacity)
        total = 0
        for j, a in enumerate(choice):
            if a >= 0:
                p, w = table[(j, a)]
                load[a] += w
                total += p
        if all(x <= c for x, c in zip(load, capacity, strict=True)):
            best = max(best, total)
    return best


@st.composite
def tiny_instances(draw):
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 6))
    cells = [(j, a) for j in range(n) for a in range(m)]
    chosen = draw(st.lists(st.sampled_from(cells), unique=True, max_size=len(cells)))
    chosen.sort()
    profit = [draw(st.integers(-5, 20)) for _ in chosen]
    weight = [draw(st.integers(0, 8)) for _ in chosen]
    capacity = [draw(st.integers(0, 12)) for _ in range(m)]
    must = draw(st.booleans())
    job = [j for j, _ in chosen]
    agent = [a for _, a in chosen]
    return profit, job, agent, weight, capacity, n, must


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_matches_brute_force(instance):
    profit, job, agent, weight, capacity, n, must = instance
    arrays = [np.asarray(x, dtype=np.int64) for x in (profit, job, agent, weight, capacity)]
    r = solve_gap(*arrays, n_jobs=n, must_assign=must, time_limit=5.0, wall_guard=False)
    check(r, *arrays, must_assign=must, n_jobs=n)
    expected = brute_force(profit, job, agent, weight, capacity, n, must)
    if expected == -math.inf:
        assert r.status == "infeasible"
    else:
        assert r.status == "optimal"
        assert r.objective == expected
        assert r.bound >= expected


# ------------------------------------------------------------------------------------------
# Search components: never an over-budget plan, same seed same plan


def _internals(instance):
    profit, job, agent, weight, capacity, n, must = instance
    arrays = [np.asarray(x, dtype=np.int64) for x in (profit, job, agent, weight, capacity)]
    pb = _prepare(*arrays, n, must)
    return pb, arrays




@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(), st.integers(0, 3))
def test_tabu_search_returns_only_valid_plans(instance, seed):
    pb, arrays = _internals(instance)
    n, must = instance[5], instance[6]
    if pb.profit.size == 0:
        return
    dense = _Dense(pb)
    # Start from every job at its most profitable agent, budgets ignored.
    start = np.where(np.isfinite(dense.P).any(axis=0), np.argmax(dense.P, axis=0), -1)
    plan = dense.tabu_search(start, 60, seed)
    if plan is None:
        return
    value, problems = gap_violations(plan, *arrays, must_assign=must, n_jobs=n)
    assert problems == []
    assert value <= brute_force(*instance[:5], n, must) + 1e-9
    again = dense.tabu_search(start, 60, seed)
    assert again is not None and again.tolist() == plan.tolist()


def test_tabu_search_finds_a_plan_the_greedy_repair_cannot():
    # Two agents of 10 hours, four jobs of 5 hours that every agent prefers at agent 0:
    # starting with all four there (20 hours), the search must move two of them.
    profit = [9, 1] * 4
    job = [0, 0, 1, 1, 2, 2, 3, 3]
    agent = [0, 1] * 4
    weight = [5] * 8
    pb, arrays = _internals((profit, job, agent, weight, [10, 10], 4, True))
    plan = _Dense(pb).tabu_search(np.zeros(4, dtype=np.int64), 50, 0)
    value, problems = gap_violations(plan, *arrays, must_assign=True, n_jobs=4)
    assert problems == [] and value == 20


def test_tabu_search_gets_close_on_a_tight_orlib_instance():
    cost, weight, capacity = read_orlib(data_dir() / "cattrysse1994" / "gap12-0")
    args = orlib_pairs(cost, weight, capacity)
    pb, arrays = _internals((*args, cost.shape[1], True))
    dense = _Dense(pb)
    plan = dense.tabu_search(np.argmax(dense.P, axis=0), 1500, 0)
    value, problems = gap_violations(plan, *args, must_assign=True, n_jobs=cost.shape[1])
    assert problems == []
    # Within 2 % of the optimum; the exact phases close the rest.
    assert -value <= 1.02 * optima()["cattrysse1994/gap12-0"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(), st.integers(0, 3))
def test_exchange_search_returns_only_valid_plans(instance, seed):
    pb, arrays = _internals(instance)
    n, must = instance[5], instance[6]
    if pb.profit.size == 0:
        return
    dense = _Dense(pb)
    # Start from every job at its most profitable agent, budgets ignored.
    start = np.where(np.isfinite(dense.P).any(axis=0), np.argmax(dense.P, axis=0), -1)

    def run():
        search = ExchangeSearch(*_exchange_arrays(pb, dense), seed)
        found = search.run(_exchange_plan(pb, search.P, start), -math.inf, 60)
        return None if found is None else _exchange_result(pb, found)

    plan = run()
    if plan is None:
        return
    value, problems = gap_violations(plan, *arrays, must_assign=must, n_jobs=n)
    assert problems == []
    assert value <= brute_force(*instance[:5], n, must) + 1e-9
    again = run()
    assert again is not None and again.tolist() == plan.tolist()


@pytest.mark.parametrize("seed", range(6))
def test_a_chain_changes_the_priced_objective_by_what_it_claims(seed):
    # The arcs are summed from numpy arrays in a transposed layout; a slip there would make a
    # chain look better than it is. From random over-budget plans at random prices, every
    # chain found must change (price of excess - profit) by exactly its claimed delta, and
    # move each job only to a unit it may go to.
    from matching.gap.exchange import _best_chain, _Scratch

    rng = np.random.default_rng(seed)
    M, n = (3, 8) if seed < 3 else (7, 40)
    P = rng.integers(1, 40, size=(M, n)).astype(float)
    if seed % 2:
        P[rng.random((M, n)) < 0.35] = -np.inf
        P[0] = np.where(np.isfinite(P[0]), P[0], 1.0)
    W = np.where(np.isfinite(P), rng.integers(1, 20, size=(M, n)), 0).astype(float)
    cap = np.full(M, 0.6 * W.sum() / M / 2)
    ws = _Scratch(n)
    jobs = np.arange(n)

    def priced(a, price):
        load = np.bincount(a, weights=W[a, jobs], minlength=M)
        return float((price * np.maximum(load - cap, 0.0)).sum() - P[a, jobs].sum())

    found = 0
    for _ in range(40):
        a = np.array([rng.choice(np.nonzero(np.isfinite(P[:, j]))[0]) for j in range(n)])
        price = rng.uniform(0.2, 3.0, M)
        load = np.bincount(a, weights=W[a, jobs], minlength=M)
        delta, new = _best_chain(P, W, cap, a, load, price, 4, ws)
        if new is None:
            continue
        found += 1
        assert delta < 0
        assert np.isfinite(P[new, jobs]).all()
        assert priced(new, price) - priced(a, price) == pytest.approx(delta, abs=1e-9)
    assert found >= 10


def test_exchange_search_finds_a_rotation_no_shift_or_swap_can():
    # Three full units, one job each. Every job earns more at the next unit, but no job can
    # go to the unit before, so no shift fits and no swap exists: only the three-way
    # rotation (job 0 to unit 1, job 1 to unit 2, job 2 to unit 0) improves.
    P = np.array([[1.0, -np.inf, 5.0], [5.0, 1.0, -np.inf], [-np.inf, 5.0, 1.0]])
    W = np.ones((3, 3))
    search = ExchangeSearch(P, W, np.ones(3), seed=0)
    plan = search.run(np.arange(3), 3.0, 5)
    assert plan.tolist() == [1, 2, 0]
    assert search.best_value == 15.0


def test_exchange_search_gets_within_target_on_a_tight_orlib_instance():
    cost, weight, capacity = read_orlib(data_dir() / "chu1997" / "d05100")
    args = orlib_pairs(cost, weight, capacity)
    pb, arrays = _internals((*args, cost.shape[1], True))
    dense = _Dense(pb)
    search = ExchangeSearch(*_exchange_arrays(pb, dense), 0)
    found = search.run(_exchange_plan(pb, search.P, np.argmax(dense.P, axis=0)), -math.inf,
                       1500)
    value, problems = gap_violations(found, *args, must_assign=True, n_jobs=cost.shape[1])
    assert problems == []
    # Type d, every budget tight: within 0.5 % of the optimum from the search alone.
    assert -value <= 1.005 * optima()["chu1997/d05100"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(), st.integers(0, 3))
def test_neighbourhood_search_keeps_plans_valid_and_its_books_right(instance, seed):
    import time as _time

    pb, arrays = _internals(instance)
    n, must = instance[5], instance[6]
    expected = brute_force(*instance[:5], n, must)
    if pb.profit.size == 0 or expected == -math.inf:
        return
    # The start must be a plan, whatever the machine's load; the neighbourhood search after it
    # keeps its deadline, which bounds how long it runs, not what it must leave valid.
    r = solve_gap(*arrays, n_jobs=n, must_assign=must, time_limit=5.0, wall_guard=False)
    start = r.assign.copy()
    ks = _Knapsacks(pb)
    lag = _lagrangian(pb, ks, _Dense(pb), 20, 1e9, _time.perf_counter() + 5, 1.0)
    plan, value, _ = _lns(pb, start, r.objective, 1.0, 0.05, _time.perf_counter() + 5, seed,
                          math.inf, 1.0, (ks, lag.u), _related_agents(pb, lag))
    real, problems = gap_violations(plan, *arrays, must_assign=must, n_jobs=n)
    assert problems == []
    assert value == pytest.approx(real) and real >= r.objective - 1e-9


def test_chu_beasley_tight_instance_gives_a_valid_plan_on_a_short_limit():
    # Type d, 20 agents, the budgets of a 2 s limit: the search slices (tabu, neighbourhoods,
    # CP-SAT) all run. Without the wall-clock guard, so that a loaded machine still does all
    # of that work instead of ending before the first slice.
    cost, weight, capacity = read_orlib(data_dir() / "chu1997" / "d20100")
    args = orlib_pairs(cost, weight, capacity)
    r = solve_checked(*args, must_assign=True, time_limit=2.0, wall_guard=False)
    assert r.status == "feasible"
    assert -r.objective <= 1.05 * optima()["chu1997/d20100"]
    assert r.stats["slices"]


def test_short_hinted_cpsat_run_keeps_the_hint_on_a_large_tight_instance():
    # Presolve alone on d20200 costs more than a short run's deterministic budget; without it
    # the run must at least hand back the plan it was hinted with, never come back empty.
    cost, weight, capacity = read_orlib(data_dir() / "chu1997" / "d20200")
    args = orlib_pairs(cost, weight, capacity)
    pb, arrays = _internals((*args, cost.shape[1], True))
    dense = _Dense(pb)
    hint = dense.tabu_search(np.argmax(dense.P, axis=0), 300, 0)
    assert hint is not None
    out = _cpsat(pb, np.arange(pb.profit.size), np.arange(pb.n), hint, math.inf, 1.0,
                 0.05, 60.0, 0, 1, presolve=False)
    assert out.assign is not None
    value, problems = gap_violations(out.assign, *arrays, must_assign=True,
                                     n_jobs=cost.shape[1])
    assert problems == []
    assert value >= dense.value(hint) - 1e-9


def test_same_seed_same_plan():
    # Type d with 5 units: the exchange search runs beside a second one in a child process
    # in paired slices. Each side stops on its own deterministic budget, so two runs agree
    # slice for slice. The wall-clock guard is off: on a loaded machine it would cut the runs
    # short at different points (the result says so), which is all it is for.
    cost, weight, capacity = read_orlib(data_dir() / "chu1997" / "d05100")
    args = orlib_pairs(cost, weight, capacity)
    runs = [solve_checked(*args, must_assign=True, time_limit=3.0, seed=7, wall_guard=False)
            for _ in range(2)]
    for r in runs:
        assert r.stats["wall_guard"] is False
        assert -r.objective <= 1.02 * optima()["chu1997/d05100"]
    assert runs[0].assign.tolist() == runs[1].assign.tolist()
    assert runs[0].stats["slices"] == runs[1].stats["slices"]


def _tight_instance(seed=3, m=6, n=40):
    rng = np.random.default_rng(seed)
    W = rng.integers(5, 25, size=(m, n)).astype(np.float64)
    P = 60.0 - W + rng.integers(0, 10, size=(m, n))
    cap = np.full(m, 0.8 * W.sum() / m / m)
    return P, W, cap


@pytest.mark.parametrize("accept", [0.0, 0.004])
def test_exchange_search_in_a_child_process_walks_the_same_path(accept):
    # The second core's search must be the same search: same seed and steps, same plans,
    # slice after slice, whether it restarts from its best or from nearby local optima.
    P, W, cap = _tight_instance()
    start = np.argmax(P, axis=0)
    here = ExchangeSearch(P, W, cap, 5, accept=accept, patience=20)
    worker = ExchangeWorker(P, W, cap, 5, accept=accept, patience=20)
    try:
        for start_value in (-math.inf, -math.inf):
            expected = here.run(start, start_value, 120)
            worker.submit(start, start_value, 120, 60.0)
            got, value, walled = worker.result(60.0)
            assert not walled
            assert expected is not None and got.tolist() == expected.tolist()
            assert value == here.best_value
    finally:
        worker.close()


def test_restarts_from_nearby_local_optima_stay_within_budget():
    P, W, cap = _tight_instance(seed=8)
    search = ExchangeSearch(P, W, cap, 1, accept=0.01, patience=10)
    plan = search.run(np.argmax(P, axis=0), -math.inf, 400)
    assert plan is not None
    load = np.bincount(plan, weights=W[plan, np.arange(plan.size)], minlength=cap.size)
    assert np.all(load <= cap + 1e-9)
    assert search.best_value == pytest.approx(P[plan, np.arange(plan.size)].sum())


def test_a_closed_worker_process_is_gone_and_says_so():
    P, W, cap = _tight_instance()
    worker = ExchangeWorker(P, W, cap, 0)
    worker.close()
    assert worker._proc.poll() is not None
    with pytest.raises(ExchangeWorkerError):
        worker.submit(np.argmax(P, axis=0), -math.inf, 10, 5.0)


def test_solver_carries_on_when_the_second_search_dies(monkeypatch):
    # A child that crashes mid-run must cost its slices, never the plan: the paired slices
    # fall back to single-worker CP-SAT and the neighbourhoods, and the stats say why.
    import matching.gap.local as local

    class Dying(ExchangeWorker):
        def submit(self, *args):
            self._proc.kill()
            self._proc.wait()
            super().submit(*args)

    monkeypatch.setattr(local, "ExchangeWorker", Dying)
    cost, weight, capacity = read_orlib(data_dir() / "chu1997" / "d10100")
    args = orlib_pairs(cost, weight, capacity)
    # Without the wall-clock guard: a loaded machine must not end the search before its
    # first paired slice, where the child is asked for work and found dead.
    r = solve_checked(*args, must_assign=True, time_limit=3.0, wall_guard=False)
    assert r.status == "feasible"
    assert -r.objective <= 1.02 * optima()["chu1997/d10100"]
    assert "exchange worker" in r.stats["exchange_worker"]
    assert "tabu+exchange" not in r.stats["slices"]
    assert any(s in ("tabu+cp-sat", "tabu+lns") for s in r.stats["slices"])


def test_tight_instance_uses_both_searches_and_keeps_the_better_plan():
    # The slices of a 4 s limit, counted in steps: without the wall-clock guard a loaded
    # machine takes longer over them but runs the same ones, the paired slices included.
    cost, weight, capacity = read_orlib(data_dir() / "chu1997" / "d10100")
    args = orlib_pairs(cost, weight, capacity)
    r = solve_checked(*args, must_assign=True, time_limit=4.0, wall_guard=False)
    assert "exchange_worker" not in r.stats  # started and answered
    assert "tabu+exchange" in r.stats["slices"]
    assert r.stats["exchange_worker_steps"] > 0
    assert -r.objective <= 1.01 * optima()["chu1997/d10100"]
