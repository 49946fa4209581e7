"""Seeded, realistic city instances for the engine benchmark, built straight from numpy arrays.

A city is districts -> streets -> communities (DOMAIN.md, scale): about 10 communities per
street and 20 streets per district, community centres clustered around their street's centre,
projects scattered a few hundred metres to a kilometre around their community centre. Demand
is Zipf-skewed across subcategories and communities; supply is spread flatter than demand, so
popular subcategories are short of capacity and rare ones have spare: the choice matters.

No per-project Python object is created at any size; a million projects take a few seconds.

    generate_city(n_projects, seed=..., k=1, hours=False) -> ProblemArrays
    build_city(...) -> City          # keeps the raw arrays, for perturbation and saving
    perturb_city(city, plan_p, plan_r, seed=..., frac=0.01) -> (ProblemArrays, old_to_new)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the engine from this checkout
from matching import ProblemArrays, make_problem_arrays  # noqa: E402

CATEGORIES: dict[str, list[str]] = {
    "公共服务类": ["政策咨询", "法律援助", "医疗义诊", "家电维修", "环境整治", "助老服务"],
    "公益慈善类": ["困难帮扶", "物资捐赠", "爱心助学", "关爱儿童"],
    "就业创业类": ["技能培训", "岗位推介", "创业指导"],
    "文体活动类": ["文艺演出", "体育健身", "读书分享", "节日活动", "书画培训"],
    "人才服务类": ["专家讲座", "心理咨询", "科普宣传"],
}
SKILLS_PER_SUB = 4
LAT0, LON0 = 36.08, 111.52  # a county seat in southern Shanxi, for plausible coordinates
KM_LAT = 110.574
KM_LON = 111.320 * np.cos(np.radians(LAT0))
HORIZON_DAYS = 60

_SUB_CAT = np.repeat(np.arange(len(CATEGORIES)), [len(v) for v in CATEGORIES.values()]).astype(np.int32)
_SUB_NAMES = np.array([s for v in CATEGORIES.values() for s in v])
_CAT_NAMES = np.array(list(CATEGORIES))
N_SUB = len(_SUB_NAMES)
# categories whose projects are more often group events needing several units
_MULTI_SHARE = np.array([0.2, 0.4, 0.15, 0.45, 0.2])


@dataclass(frozen=True, eq=False)
class Geography:
    comm_x: np.ndarray  # km east of the origin, by community
    comm_y: np.ndarray
    comm_spread: np.ndarray  # km, standard deviation of projects around the centre
    comm_street: np.ndarray
    comm_weight: np.ndarray  # demand share, Zipf-like
    sub_weight: np.ndarray  # demand share, Zipf-like
    n_streets: int
    n_districts: int


@dataclass(frozen=True, eq=False)
class City:
    """The raw columns (keyword arguments of `make_problem_arrays`) plus the geography that
    produced them, so a perturbation can add projects from the same distribution."""

    n_projects: int
    seed: int
    k: int
    hours: bool
    geo: Geography
    raw: dict

    def arrays(self, previous=None) -> ProblemArrays:
        return make_problem_arrays(**self.raw, previous=previous)


def _zipf(rng, n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    w = w[rng.permutation(n)]
    return w / w.sum()


def _geography(rng, n_projects: int) -> Geography:
    n_comm = max(3, round(n_projects / 100))
    per_street = rng.integers(5, 16, n_comm)  # communities per street: 5-15
    street_of = np.repeat(np.arange(n_comm), per_street)[:n_comm]
    n_streets = int(street_of.max()) + 1
    per_district = rng.integers(10, 31, n_streets)
    district_of = np.repeat(np.arange(n_streets), per_district)[:n_streets]
    n_districts = int(district_of.max()) + 1
    # districts on a jittered grid 18 km apart; streets within ~5 km; communities within ~1.2 km
    side = int(np.ceil(np.sqrt(n_districts)))
    d = np.arange(n_districts)
    dx = (d % side) * 18.0 + rng.normal(0, 3.0, n_districts)
    dy = (d // side) * 18.0 + rng.normal(0, 3.0, n_districts)
    sx = dx[district_of] + rng.normal(0, 5.0, n_streets)
    sy = dy[district_of] + rng.normal(0, 5.0, n_streets)
    cx = sx[street_of] + rng.normal(0, 1.2, n_comm)
    cy = sy[street_of] + rng.normal(0, 1.2, n_comm)
    return Geography(
        comm_x=cx, comm_y=cy, comm_spread=rng.uniform(0.3, 1.0, n_comm), comm_street=street_of,
        comm_weight=_zipf(rng, n_comm, 0.7), sub_weight=_zipf(rng, N_SUB, 1.0),
        n_streets=n_streets, n_districts=n_districts,
    )


def _bits(owner: np.ndarray, skill: np.ndarray, n: int, words: int) -> np.ndarray:
    out = np.zeros((n, words), dtype=np.uint64)
    np.bitwise_or.at(out, (owner, skill // 64), np.left_shift(np.uint64(1), (skill % 64).astype(np.uint64)))
    return out


def _projects(rng, geo: Geography, n: int, k: int, hours: bool) -> dict:
    """Project columns: community by Zipf weight, position around its centre, subcategory by
    Zipf weight, urgency mix, waiting days, a window in days, 0-2 required skills."""
    comm = rng.choice(len(geo.comm_x), size=n, p=geo.comm_weight).astype(np.int32)
    x = geo.comm_x[comm] + rng.normal(0, 1, n) * geo.comm_spread[comm]
    y = geo.comm_y[comm] + rng.normal(0, 1, n) * geo.comm_spread[comm]
    sub = rng.choice(N_SUB, size=n, p=geo.sub_weight).astype(np.int32)
    priority = rng.choice(4, size=n, p=[0.5, 0.3, 0.12, 0.08]).astype(np.int64)
    urgent = priority == 3
    waiting = np.where(urgent, rng.exponential(2.0, n), rng.exponential(12.0, n))
    start = rng.integers(0, 30, n)
    length = np.where(urgent, rng.integers(0, 4, n), rng.integers(3, 31, n))
    n_req = rng.choice(3, size=n, p=[0.55, 0.35, 0.10])
    first = rng.integers(0, SKILLS_PER_SUB, n)
    second = (first + rng.integers(1, SKILLS_PER_SUB, n)) % SKILLS_PER_SUB
    owner = np.concatenate([np.flatnonzero(n_req >= 1), np.flatnonzero(n_req >= 2)])
    which = np.concatenate([first[n_req >= 1], second[n_req >= 2]])
    skill = sub[owner].astype(np.int64) * SKILLS_PER_SUB + which
    words = (N_SUB * SKILLS_PER_SUB + 63) // 64
    p_k = np.ones(n, dtype=np.int64)
    if k > 1:
        multi = rng.random(n) < _MULTI_SHARE[_SUB_CAT[sub]]
        p_k[multi] = rng.integers(2, k + 1, int(multi.sum()))
    minutes = None
    if hours:
        minutes = rng.integers(2, 17, n) * 30  # 1 to 8 hours in half hours
    return dict(
        p_community=comm,
        p_lat=LAT0 + y / KM_LAT, p_lon=LON0 + x / KM_LON,
        p_sub=sub,
        p_skills=_bits(owner, skill, n, words),
        p_start=start, p_end=start + length,
        p_priority=priority,
        p_waiting=np.minimum(np.rint(waiting), 180).astype(np.int64),
        p_k=p_k,
        p_minutes=minutes,
        p_street=geo.comm_street[comm].astype(np.int32),
    )


def _resources(rng, geo: Geography, n_projects: int, hours: bool) -> dict:
    """Resources ~ n/10, owned by units of 1-4 resources; each serves either a few nearby
    communities or a circle around a point. Supply per subcategory follows demand^0.4, so
    popular subcategories are short and rare ones have slack."""
    R = max(4, n_projects // 10)
    sizes = rng.choice([1, 2, 3, 4], size=R, p=[0.45, 0.3, 0.15, 0.1])
    r_unit = np.repeat(np.arange(R), sizes)[:R].astype(np.int32)
    U = int(r_unit[-1]) + 1
    n_comm = len(geo.comm_x)
    home_w = geo.comm_weight ** 0.5
    unit_home = rng.choice(n_comm, size=U, p=home_w / home_w.sum())
    sup_w = geo.sub_weight ** 0.4
    sup_w /= sup_w.sum()
    unit_sub = rng.choice(N_SUB, size=U, p=sup_w)
    # a resource's main subcategory: mostly its unit's, else by supply weight
    own = rng.random(R) < 0.6
    main = np.where(own, unit_sub[r_unit], rng.choice(N_SUB, size=R, p=sup_w))
    # 40 % offer 1-2 more subcategories of the same category
    extra = np.where(rng.random(R) < 0.4, rng.integers(1, 3, R), 0)
    cat = _SUB_CAT[main]
    cat_first = np.searchsorted(_SUB_CAT, np.arange(len(_CAT_NAMES)))
    cat_len = np.bincount(_SUB_CAT)
    o_owner = np.repeat(np.arange(R), extra)
    o_sub = cat_first[cat[o_owner]] + rng.integers(0, 10**6, len(o_owner)) % cat_len[cat[o_owner]]
    r_owner = np.concatenate([np.arange(R), o_owner])
    r_sub_all = np.concatenate([main, o_sub]).astype(np.int64)
    keys = np.unique(r_owner.astype(np.int64) * N_SUB + r_sub_all)
    owner_s, sub_s = keys // N_SUB, (keys % N_SUB).astype(np.int32)
    r_sub_ptr = np.r_[0, np.cumsum(np.bincount(owner_s, minlength=R))].astype(np.int64)
    # skills: each skill of each offered subcategory with probability 0.55
    has = rng.random((len(sub_s), SKILLS_PER_SUB)) < 0.55
    so, sj = np.nonzero(has)
    words = (N_SUB * SKILLS_PER_SUB + 63) // 64
    r_skills = _bits(owner_s[so], sub_s[so].astype(np.int64) * SKILLS_PER_SUB + sj, R, words)
    # location: the unit's home community, a little off its centre
    home = unit_home[r_unit]
    x = geo.comm_x[home] + rng.normal(0, 0.3, R)
    y = geo.comm_y[home] + rng.normal(0, 0.3, R)
    circle = rng.random(R) < 0.5
    radius = np.where(circle, rng.uniform(1.0, 4.0, R), 0.0)
    # community lists: home plus 0-4 nearest communities
    n_list = np.where(circle, 0, 1 + rng.integers(0, 5, R))
    tree = cKDTree(np.c_[geo.comm_x, geo.comm_y])
    kq = min(5, n_comm)
    _, near = tree.query(np.c_[geo.comm_x[home], geo.comm_y[home]], k=kq)
    near = near.reshape(R, kq)
    n_list = np.minimum(n_list, kq)
    take = np.arange(kq)[None, :] < n_list[:, None]
    r_comm = near[take].astype(np.int32)
    r_comm_ptr = np.r_[0, np.cumsum(n_list)].astype(np.int64)
    # capacity: about 1.25 projects of supply per project of demand, in resources of 2-25
    base = rng.lognormal(0.0, 0.5, R)
    cap = np.clip(np.rint(base / base.mean() * 1.25 * n_projects / R), 1, 40).astype(np.int64)
    start = rng.integers(0, 20, R)
    end = start + rng.integers(20, 61, R)
    budget = None
    if hours:
        # half the resources give an hours budget instead of a count (about 4 h per project)
        by_hours = rng.random(R) < 0.5
        budget = np.where(by_hours, cap * 4 * 60, -1).astype(np.int64)
        cap = np.where(by_hours, -1, cap)
    return dict(
        r_unit=r_unit, r_sub=sub_s, r_sub_ptr=r_sub_ptr, r_skills=r_skills,
        r_comm=r_comm, r_comm_ptr=r_comm_ptr,
        r_lat=LAT0 + y / KM_LAT, r_lon=LON0 + x / KM_LON, r_radius_km=radius,
        r_start=start, r_end=end, r_capacity=cap, r_budget_minutes=budget,
        r_credit=50.0 + 50.0 * rng.beta(4.0, 2.0, R),
    )


def _names(geo: Geography, n_units: int) -> dict:
    n_comm = len(geo.comm_x)
    return dict(
        sub_category=_SUB_CAT, categories=_CAT_NAMES,
        subcategories=_SUB_NAMES,
        communities=np.char.add("社区", np.arange(n_comm).astype(str)),
        streets=np.char.add("街道", np.arange(geo.n_streets).astype(str)),
        unit_ids=np.char.add("单位", np.arange(n_units).astype(str)),
    )


def build_city(n_projects: int, *, seed: int, k: int = 1, hours: bool = False) -> City:
    """The city and its raw columns; deterministic for (n_projects, seed, k, hours).

    ``k`` > 1 makes a share of projects (group events: more in 文体活动类 and 公益慈善类)
    need 2..k distinct units; ``hours`` gives half the resources an hours budget instead of
    a project count and every project 1-8 hours of work.
    """
    rng = np.random.default_rng([seed, n_projects, k, int(hours)])
    geo = _geography(rng, n_projects)
    raw = _projects(rng, geo, n_projects, k, hours)
    raw.update(_resources(rng, geo, n_projects, hours))
    n_units = int(raw["r_unit"].max()) + 1
    raw.update(_names(geo, n_units))
    # integer ids: a database snapshot hands over bigint keys, and they intern fastest
    raw["project_ids"] = np.arange(n_projects, dtype=np.int64)
    raw["resource_ids"] = np.arange(len(raw["r_unit"]), dtype=np.int64)
    if not hours:
        raw["p_minutes"] = None
        raw["r_budget_minutes"] = None
    return City(n_projects=n_projects, seed=seed, k=k, hours=hours, geo=geo, raw=raw)


def generate_city(n_projects: int, *, seed: int, k: int = 1, hours: bool = False) -> ProblemArrays:
    """A city instance in the engine's array form (see `build_city`)."""
    return build_city(n_projects, seed=seed, k=k, hours=hours).arrays()


_P_COLUMNS = ("p_community", "p_lat", "p_lon", "p_sub", "p_skills", "p_start", "p_end",
              "p_priority", "p_waiting", "p_k", "p_minutes", "p_street", "project_ids")


def perturb(city: City, *, seed: int, frac: float = 0.01) -> tuple[City, np.ndarray]:
    """Change ``frac`` of the projects: a third withdrawn, a third edited (urgency raised,
    window moved), a third new ones appended from the same distribution.

    Returns the new city and ``old_to_new`` (new index of each old project, -1 if removed).
    """
    rng = np.random.default_rng([seed, 7919])
    raw = dict(city.raw)
    P = city.n_projects
    m = max(3, round(frac * P))
    n_rm, n_edit = m // 3, m // 3
    n_add = m - n_rm - n_edit
    pick = rng.choice(P, size=n_rm + n_edit, replace=False)
    removed, edited = pick[:n_rm], pick[n_rm:]
    keep = np.ones(P, bool)
    keep[removed] = False
    for c in _P_COLUMNS:
        if raw[c] is not None:
            raw[c] = raw[c].copy()
    raw["p_priority"][edited] = np.minimum(raw["p_priority"][edited] + 1, 3)
    shift = rng.integers(-5, 6, len(edited))
    raw["p_start"][edited] = np.maximum(raw["p_start"][edited] + shift, 0)
    raw["p_end"][edited] = np.maximum(raw["p_end"][edited] + shift, raw["p_start"][edited])
    new = _projects(rng, city.geo, n_add, city.k, city.hours)
    new["project_ids"] = np.int64(raw["project_ids"].max()) + 1 + np.arange(n_add, dtype=np.int64)
    if raw["p_minutes"] is None:
        new["p_minutes"] = None
    for c in _P_COLUMNS:
        if raw[c] is not None:
            raw[c] = np.concatenate([raw[c][keep], new[c]])
    old_to_new = np.full(P, -1, dtype=np.int64)
    old_to_new[keep] = np.arange(int(keep.sum()))
    return replace(city, raw=raw, n_projects=len(raw["p_lat"])), old_to_new


def perturb_city(city: City, plan_p: np.ndarray, plan_r: np.ndarray, *, seed: int,
                 frac: float = 0.01) -> tuple[ProblemArrays, np.ndarray]:
    """The perturbed instance with the previous plan (mapped to new indices) as ``previous``."""
    new, old_to_new = perturb(city, seed=seed, frac=frac)
    q = old_to_new[np.asarray(plan_p, dtype=np.int64)]
    ok = q >= 0
    prev = (q[ok], np.asarray(plan_r, dtype=np.int64)[ok])
    return new.arrays(previous=prev), old_to_new


def save_raw(city: City, path: str) -> None:
    """Columns to an .npz so a measuring process starts from raw arrays on disk."""
    np.savez(path, **{k: v for k, v in city.raw.items() if v is not None})


def load_raw(path: str) -> dict:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}
