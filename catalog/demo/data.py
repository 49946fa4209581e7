"""The demo county's data, read from the TOML files beside this module into typed constants.

``county.toml``     the county, its streets and communities (with their compounds and grids)
``names.toml``      surnames, given names, titles and the everyday words of the texts
``units.toml``      the member units, and the six with demo accounts (the showcase)
``resources.toml``  the 资源清单: what each unit offers
``needs.toml``      the 需求清单: how often each subcategory comes up, the channels, the templates
``stories.toml``    the projects' stories, how long they took, and what people wrote on the way

The files are the demo's words and tables; the builder (``county``, ``residents``, ``stories``,
``plans``) draws from them with one ``random.Random``, in the order they are written. They are
package data (pyproject.toml), read through ``importlib.resources``, so an installed package
loads the demo too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from catalog.enums import DispatchMode, Outcome, RejectReason, ServiceMode, SourceChannel
from catalog.local_time import LOCAL_TIME


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath(name).read_text("utf-8"))


_county, _names, _units = _read("county.toml"), _read("names.toml"), _read("units.toml")
_resources, _needs, _stories = _read("resources.toml"), _read("needs.toml"), _read("stories.toml")

TZ = LOCAL_TIME

# --- the county ------------------------------------------------------------------------------

COUNTY: str = _county["name"]
DISTRICT_CODE: str = _county["district_code"]
CENTRE: tuple[float, float] = tuple(_county["centre"])
KM_LAT = 1 / 111.0
KM_LON = 1 / 89.8  # at about 36°N


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    street: str
    north_km: float
    east_km: float
    households: int
    grids: int
    compounds: tuple[str, ...]

    @property
    def lat(self) -> float:
        return round(CENTRE[0] + self.north_km * KM_LAT, 6)

    @property
    def lon(self) -> float:
        return round(CENTRE[1] + self.east_km * KM_LON, 6)


STREETS: tuple[tuple[str, str], ...] = tuple((s["code"], s["name"]) for s in _county["street"])
COMMUNITIES: tuple[Community, ...] = tuple(
    Community(**{**m, "compounds": tuple(m["compounds"])}) for m in _county["community"])
COMMUNITY_BY_CODE = {m.code: m for m in COMMUNITIES}
GRID_NAMES: tuple[str, ...] = tuple(_county["grid_names"])

# --- names and words -------------------------------------------------------------------------

SURNAMES: tuple[str, ...] = tuple(_names["surnames"])
GIVEN: tuple[str, ...] = tuple(_names["given"])
ELDER_TITLES: tuple[str, ...] = tuple(_names["elder_titles"])
ADULT_TITLES: tuple[str, ...] = tuple(_names["adult_titles"])
KID_NAMES: str = _names["kid_names"]
WEEKDAYS: tuple[str, ...] = tuple(_names["weekdays"])
GRADES: tuple[str, ...] = tuple(_names["grades"])
ILLS: tuple[str, ...] = tuple(_names["ills"])

# --- member units and their resources --------------------------------------------------------

DEPARTMENTS: tuple[str, ...] = tuple(_units["departments"])
# (the person a studio is named after, its speciality)
STUDIOS: tuple[tuple[str, str], ...] = tuple((owner, speciality) for owner, speciality in _units["studios"])
ASSOCIATIONS: tuple[str, ...] = tuple(_units["associations"])
# the units with demo accounts, unit-1 … unit-6 in this order
SHOWCASE_UNITS: tuple[str, ...] = tuple(_units["showcase"])


@dataclass(frozen=True)
class ResourceSpec:
    """A listing of the 资源清单; ``unit`` is the unit's short name, ``fee`` None when free."""

    unit: str
    category: str
    title: str
    content: str
    skills: tuple[str, ...]
    mode: ServiceMode
    fee: str | None
    groups: tuple[str, ...]
    per_month: int
    status: str  # published, pending (waiting for review) or delisted


RESOURCES: tuple[ResourceSpec, ...] = tuple(
    ResourceSpec(unit=r["unit"], category=r["category"], title=r["title"], content=r["content"],
                 skills=tuple(r["skills"]), mode=ServiceMode(r["mode"]), fee=r.get("fee"),
                 groups=tuple(r["groups"]), per_month=r["per_month"], status=r["status"])
    for r in _resources["resource"])
DELIST_NOTE: str = _resources["delist_note"]

# --- needs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A need template. ``picks`` are template-own slots; group needs size ``count`` people."""

    title: str
    desc: str
    theme: str
    skills: tuple[str, ...]
    groups: tuple[str, ...] = ()
    picks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    count: tuple[int, int] = (1, 3)
    urgent: float = 0.1
    long_term: float = 0.05


def _template(t: dict[str, Any]) -> Template:
    fields = {**t, "skills": tuple(t["skills"]), "groups": tuple(t.get("groups", ())),
              "picks": {key: tuple(options) for key, options in t.get("picks", {}).items()}}
    if "count" in t:
        fields["count"] = tuple(t["count"])
    return Template(**fields)


N_NEEDS: int = _needs["count"]
TEMPLATES: dict[str, tuple[Template, ...]] = {
    cat: tuple(_template(t) for t in templates) for cat, templates in _needs["template"].items()}
CATEGORY_WEIGHTS: dict[str, int] = dict(_needs["category_weights"])
CHANNELS: dict[SourceChannel, int] = {SourceChannel(c): w for c, w in _needs["channels"].items()}
CHANNEL_OPENINGS: dict[SourceChannel, tuple[str, ...]] = {
    SourceChannel(c): tuple(openings) for c, openings in _needs["channel_openings"].items()}
CLOSINGS: tuple[str, ...] = tuple(_needs["closings"])
REJECTIONS: tuple[tuple[RejectReason, str], ...] = tuple(
    (RejectReason(code), note) for code, note in _needs["rejections"])
WITHDRAWN_PENDING: str = _needs["withdrawn_pending"]
WITHDRAWN_ACCEPTED: str = _needs["withdrawn_accepted"]

# --- the projects' stories -------------------------------------------------------------------

# (final status, dispatch mode, detour on the way)
PLANS: tuple[tuple[str, DispatchMode, str | None], ...] = tuple(
    (p["status"], DispatchMode(p["mode"]), p.get("story")) for p in _stories["plans"])
SHOWCASE_PLANS: tuple[tuple[str, DispatchMode], ...] = tuple(
    (p["status"], DispatchMode(p["mode"])) for p in _stories["showcase_plans"])
ENGINE_PICKS: frozenset[tuple[str, DispatchMode]] = frozenset(
    (p["status"], DispatchMode(p["mode"])) for p in _stories["engine_picks"])
STAGE_RANK: dict[str, int] = dict(_stories["stage_rank"])
LAST_STEP_HOURS: dict[str, tuple[float, float]] = {s: tuple(v) for s, v in _stories["last_step_hours"].items()}
STORY_DAYS: dict[str, tuple[float, float]] = {s: tuple(v) for s, v in _stories["story_days"].items()}
CATEGORY_THEME: dict[str, str] = dict(_stories["category_theme"])
NOTES: dict[str, str] = dict(_stories["notes"])
CANCEL_REASONS: tuple[tuple[str, str], ...] = tuple((code, note) for code, note in _stories["cancel_reasons"])
PROGRESS_LINES: tuple[str, ...] = tuple(_stories["progress"])
COMPLETION_NOTES: tuple[str, ...] = tuple(_stories["completion"])
RATING_COMMENTS: dict[int, tuple[str, ...]] = {int(s): tuple(r["comments"]) for s, r in _stories["rating"].items()}
OUTCOMES: dict[int, Outcome] = {int(s): Outcome(r["outcome"]) for s, r in _stories["rating"].items()}
