"""Random array-form instances for property tests and quick measurements."""

from __future__ import annotations

import numpy as np

from matching import make_problem_arrays


def city(n_projects: int, n_resources: int, *, seed: int = 0, n_units: int | None = None,
         n_sub: int = 20, n_comm: int | None = None, km: float | None = None,
         k_max: int = 1, hours: bool = False, cap_range: tuple[int, int] = (1, 20),
         radius: tuple[float, float] = (1.0, 5.0),
         n_skills: int = 8, fixed: int = 0, declined: int = 0, previous=None):
    rng = np.random.default_rng(seed)
    P, R = n_projects, n_resources
    n_units = n_units or max(1, R // 2)
    n_comm = n_comm or max(1, P // 500)
    km = km or max(3.0, np.sqrt(P / 50.0))
    lat0, lon0 = 36.0, 111.5
    comm_lat = lat0 + rng.uniform(0, km, n_comm) / 110.574
    comm_lon = lon0 + rng.uniform(0, km, n_comm) / (111.32 * np.cos(np.radians(lat0)))
    pc = rng.integers(0, n_comm, P)
    p_lat = comm_lat[pc] + rng.normal(0, 0.4, P) / 110.574
    p_lon = comm_lon[pc] + rng.normal(0, 0.4, P) / 90.0
    rc = rng.integers(0, n_comm, R)
    r_lat = comm_lat[rc] + rng.normal(0, 0.5, R) / 110.574
    r_lon = comm_lon[rc] + rng.normal(0, 0.5, R) / 90.0
    circle = rng.random(R) < 0.7
    n_off = rng.integers(1, 4, R)
    r_sub_ptr = np.r_[0, np.cumsum(n_off)]
    r_sub = rng.integers(0, n_sub, n_off.sum())
    # community-list resources serve their own community and maybe a neighbour
    n_c = np.where(circle, 0, rng.integers(1, 3, R))
    r_comm_ptr = np.r_[0, np.cumsum(n_c)]
    own = np.repeat(np.arange(R), n_c)
    r_comm = np.where(np.arange(n_c.sum()) == r_comm_ptr[own], rc[own], rng.integers(0, n_comm, n_c.sum()))

    def skill_bits(n: int, p: float) -> np.ndarray:
        return (rng.random((n, n_skills)) < p) @ (1 << np.arange(n_skills, dtype=np.uint64))

    p_skills = skill_bits(P, 0.08).astype(np.uint64)
    r_skills = skill_bits(R, 0.5).astype(np.uint64)
    p_start = rng.integers(0, 30, P)
    r_start = rng.integers(0, 20, R)
    cap = rng.integers(cap_range[0], cap_range[1] + 1, R)
    budget = None
    minutes = None
    if hours:
        budget = np.where(rng.random(R) < 0.5, rng.integers(4, 40, R) * 60, -1)
        minutes = rng.integers(1, 9, P) * 60
        cap = np.where(budget >= 0, -1, cap)
    a = make_problem_arrays(
        p_community=pc, p_lat=p_lat, p_lon=p_lon, p_sub=rng.integers(0, n_sub, P),
        p_start=p_start, p_end=p_start + rng.integers(0, 10, P),
        r_unit=rng.integers(0, n_units, R), r_start=r_start, r_end=r_start + rng.integers(5, 40, R),
        r_sub=r_sub, r_sub_ptr=r_sub_ptr, r_comm=r_comm, r_comm_ptr=r_comm_ptr,
        r_lat=r_lat, r_lon=r_lon, r_radius_km=np.where(circle, rng.uniform(*radius, R), 0.0),
        r_capacity=cap, r_budget_minutes=budget, r_credit=rng.uniform(40, 100, R),
        p_skills=p_skills, r_skills=r_skills, p_priority=rng.integers(0, 4, P),
        p_waiting=rng.integers(0, 60, P), p_k=rng.integers(1, k_max + 1, P), p_minutes=minutes,
        sub_category=np.arange(n_sub) // 4, previous=previous,
    )
    return a
