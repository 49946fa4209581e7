"""Bad input is refused with a reason and stores nothing.

Two lines of defence: the pydantic input models (wrong types, unknown fields, out-of-range values,
contradictory fields) and the database's own rules, which the catalog turns into InvalidInput
with a specific reason code. Either way not one row is written, not even history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from catalog.enums import AreaLevel, ServiceMode, UnitType
from catalog.errors import InvalidInput, NotFound
from catalog.lists import directory, needs, projects, resources, work
from catalog.models import (
    AreaIn,
    CategoryIn,
    ClosingIn,
    CompletionIn,
    NeedIn,
    ProjectIn,
    ReasonIn,
    RejectIn,
    ResourceIn,
    UnitIn,
)
from tests.factories import ADMIN, CATEGORY, GRID_WORKER, SECRETARY, make_need, make_unit, make_world, need_in, snapshot

NEED = dict(title="买菜", category_code=CATEGORY, community_code="C1", source_channel="online",
            requester_name="李四", requester_phone="13900001111")
RESOURCE = dict(unit_id=1, title="义诊", category_code="public.health", capacity_projects=2,
                area_communities=["C1"], mode="venue")
PROJECT = dict(need_ids=[1], title="助老", category_code=CATEGORY, community_code="C1", estimated_hours="2")


@pytest.mark.parametrize(("model", "base", "change"), [
    # wrong types
    (NeedIn, NEED, {"beneficiary_count": [3]}),
    (NeedIn, NEED, {"lat": "north", "lon": 111.0}),
    (NeedIn, NEED, {"urgency": "very"}),
    (NeedIn, NEED, {"source_channel": "wechat"}),
    (NeedIn, NEED, {"title": 42}),
    (ResourceIn, RESOURCE, {"skills": "nursing"}),
    (ResourceIn, RESOURCE, {"mode": "drone"}),
    (ProjectIn, PROJECT, {"need_ids": ["one"]}),
    (ProjectIn, PROJECT, {"window_start": "next week"}),
    (ClosingIn, {"outcome": "solved", "score": 5}, {"score": "five"}),
    # unknown fields
    (NeedIn, NEED, {"status": "accepted"}),
    (NeedIn, NEED, {"project_id": 1}),
    (ResourceIn, RESOURCE, {"status": "published"}),
    (ProjectIn, PROJECT, {"created_by": "someone"}),
    (UnitIn, {"name": "队", "unit_type": "volunteer_team", "contact_name": "王", "contact_phone": "13800000000",
              "home_area": "S1"}, {"active_cap_override": 9}),
    (ClosingIn, {"outcome": "solved", "score": 5}, {"unit_id": 3}),
    # out of range
    (NeedIn, NEED, {"lat": 91.0, "lon": 111.0}),
    (NeedIn, NEED, {"lat": 36.0, "lon": -181.0}),
    (NeedIn, NEED, {"beneficiary_count": 0}),
    (NeedIn, NEED, {"title": ""}),
    (NeedIn, NEED, {"title": "长" * 101}),
    (NeedIn, NEED, {"description": "长" * 5001}),
    (NeedIn, NEED, {"requester_phone": "call me"}),
    (NeedIn, NEED, {"community_code": "no spaces allowed"}),
    (ResourceIn, RESOURCE, {"capacity_projects": 0}),
    (ResourceIn, RESOURCE, {"radius_km": 501.0, "centre_lat": 36.0, "centre_lon": 111.0}),
    (ResourceIn, RESOURCE, {"unit_id": 0}),
    (ResourceIn, RESOURCE, {"fee_type": "low_cost", "fee_amount": "-1"}),
    (ProjectIn, PROJECT, {"units_required": 21}),
    (ProjectIn, PROJECT, {"priority": 0}),
    (ProjectIn, PROJECT, {"estimated_hours": "0"}),
    (ProjectIn, PROJECT, {"need_ids": []}),
    (ClosingIn, {"outcome": "solved", "score": 5}, {"score": 6}),
    (ClosingIn, {"outcome": "solved", "score": 5}, {"score": 0}),
    (CompletionIn, {"note": "好", "beneficiaries_served": 1, "hours_spent": "1"}, {"beneficiaries_served": -1}),
    (AreaIn, {"code": "D9", "level": "district", "name": "区"}, {"households": 2**31}),
    (CategoryIn, {"code": "public.x", "name": "新"}, {"sort_order": 2**31}),
    (UnitIn, {"name": "队", "unit_type": "volunteer_team", "contact_name": "王", "contact_phone": "13800000000",
              "home_area": "S1"}, {"active_cap": 1001}),
    # contradictory fields
    (NeedIn, NEED, {"lat": 36.0}),
    (NeedIn, NEED, {"desired_from": "2025-05-02", "desired_to": "2025-05-01"}),
    (ResourceIn, RESOURCE, {"capacity_projects": None}),
    (ResourceIn, RESOURCE, {"area_communities": []}),
    (ResourceIn, RESOURCE, {"fee_type": "low_cost"}),
    (ResourceIn, RESOURCE, {"fee_amount": "5"}),
    (ResourceIn, RESOURCE, {"availability": [{"weekday": 1, "start": "10:00", "end": "09:00"}]}),
    (ProjectIn, PROJECT, {"need_ids": [1, 1]}),
    (ProjectIn, PROJECT, {"window_start": "2025-05-01T09:00:00"}),  # no time zone
    (ProjectIn, PROJECT, {"window_start": "2025-05-01T10:00:00+08:00", "window_end": "2025-05-01T09:00:00+08:00"}),
    (AreaIn, {"code": "S9", "level": "street", "name": "街"}, {}),  # a street needs a parent
    (RejectIn, {"reason": "other"}, {}),
    (ReasonIn, {"reason": "other", "note": "太远"}, {"note": "  "}),
    # what the schema says is what is counted: text as sent, decimals and dates in one form each
    (NeedIn, NEED, {"title": "  " + "长" * 99}),
    (NeedIn, NEED, {"requester_phone": "   13900001111"}),  # three separators at the start: more than the shape allows
    (NeedIn, NEED, {"requester_phone": "139--0000-1111"}),  # two between digits
    (NeedIn, NEED, {"desired_from": "0"}),
    (NeedIn, NEED, {"desired_from": "2025-5-1"}),
    (ProjectIn, PROJECT, {"estimated_hours": ""}),
    (ProjectIn, PROJECT, {"estimated_hours": "1e1"}),
    (ProjectIn, PROJECT, {"estimated_hours": "2.25"}),
    (ProjectIn, PROJECT, {"window_start": "0"}),
    (ProjectIn, PROJECT, {"window_start": "2025-05-01 09:00:00+08:00"}),
])
def test_models_refuse_bad_input(model, base, change):
    if change:
        model(**base)  # the base alone is accepted: the change is what breaks it
    with pytest.raises(ValidationError):
        model(**{**base, **change})


# --- rules only the database knows ------------------------------------------------------------


@pytest.mark.parametrize(("change", "code"), [
    ({"category_code": "public.nothing"}, "unknown_category"),
    ({"category_code": "public"}, "unknown_category"),  # a top-level category is too coarse for a need
    ({"community_code": "NOWHERE", "grid_code": None}, "unknown_community"),
    ({"grid_code": "NOGRID"}, "grid_not_in_community"),
    ("other_grid", "grid_not_in_community"),
    ("street_as_community", "unknown_community"),
])
async def test_need_breaking_a_database_rule_is_refused_and_nothing_stored(db, change, code):
    world = await make_world(db, communities=2, grids=1)
    if change == "other_grid":
        change = {"grid_code": world.grids[world.communities[1]][0]}
    elif change == "street_as_community":
        change = {"community_code": world.street, "grid_code": None}
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await needs.submit_need(db, need_in(world, **change), GRID_WORKER)
    assert err.value.code == code
    assert await snapshot(db) == before


@pytest.mark.parametrize(("level", "parent", "code"), [
    (AreaLevel.STREET, "street", "bad_parent_area"),       # a street inside a street
    (AreaLevel.COMMUNITY, "district", "bad_parent_area"),  # skipping the street
    (AreaLevel.GRID, "street", "bad_parent_area"),
    (AreaLevel.GRID, "grid", "bad_parent_area"),
])
async def test_area_with_wrong_parent_level_is_refused(db, level, parent, code):
    world = await make_world(db, communities=1, grids=1)
    parent_code = {"district": world.district, "street": world.street, "grid": world.grids[world.community][0]}
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await directory.create_area(db, AreaIn(code="NEW1", level=level, name="新", parent_code=parent_code[parent]))
    assert err.value.code == code
    assert await snapshot(db) == before


async def test_area_under_a_missing_parent_is_refused(db):
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await directory.create_area(db, AreaIn(code="S77", level=AreaLevel.STREET, name="街", parent_code="NOPE"))
    assert err.value.code in {"unknown_area", "bad_parent_area"}
    assert await snapshot(db) == before


async def test_unit_in_an_unknown_area_is_refused(db):
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await directory.create_unit(
            db, UnitIn(name="队", unit_type=UnitType.VOLUNTEER_TEAM, contact_name="王",
                       contact_phone="13800000000", home_area="NOPE"), ADMIN)
    assert err.value.code == "unknown_area"
    assert await snapshot(db) == before


@pytest.mark.parametrize(("parent", "code"), [("nothing", "unknown_category"), ("public.elderly", "category_too_deep")])
async def test_category_under_a_bad_parent_is_refused(db, parent, code):
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await directory.create_category(db, CategoryIn(code="public.elderly.meals", name="助餐", parent_code=parent),
                                        ADMIN)
    assert err.value.code == code
    assert await snapshot(db) == before


@pytest.mark.parametrize(("change", "error", "code"), [
    ({"category_code": "public.nothing"}, InvalidInput, "unknown_category"),
    ({"category_code": "culture"}, InvalidInput, "unknown_category"),
    ({"area_communities": ["NOWHERE"]}, InvalidInput, "unknown_community"),
    ({"unit_id": 999_999}, InvalidInput, "unknown_unit"),
])
async def test_resource_breaking_a_rule_is_refused(db, change, error, code):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world)
    fields = {**RESOURCE, "unit_id": unit.id, "area_communities": world.communities, **change}
    before = await snapshot(db)
    with pytest.raises(error) as err:
        await resources.create_resource(db, ResourceIn(**fields), ADMIN)
    assert err.value.code == code
    assert await snapshot(db) == before


@pytest.mark.parametrize(("change", "code"), [
    ({"category_code": "public.nothing"}, "unknown_category"),
    ({"category_code": "talent"}, "unknown_category"),
    ({"community_code": "NOWHERE"}, "unknown_community"),
])
async def test_project_breaking_a_rule_is_refused_and_its_needs_stay_accepted(db, change, code):
    world = await make_world(db, communities=1, grids=1)
    need = await make_need(db, world)
    fields = {**PROJECT, "need_ids": [need.id], "community_code": world.community, **change}
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await projects.create_project(db, ProjectIn(**fields), SECRETARY)
    assert err.value.code == code
    assert await snapshot(db) == before
    assert (await needs.get_need(db, need.id)).status.value == "accepted"


@pytest.mark.parametrize("change", [
    {"title": "买\x00菜"},           # PostgreSQL text cannot hold NUL
    {"description": "门牌\x00号"},
])
async def test_values_postgres_cannot_store_are_invalid_input(db, change):
    """The model refuses NUL; one that got past it is still a clean refusal at the database."""
    world = await make_world(db, communities=1, grids=1)
    with pytest.raises(ValidationError):
        need_in(world, **change)
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await needs.submit_need(db, need_in(world).model_copy(update=change), GRID_WORKER)
    assert err.value.code == "invalid_value"
    assert await snapshot(db) == before


async def test_numbers_beyond_the_column_are_invalid_input(db):
    """A value the model lets through but the column cannot hold is still a clean refusal."""
    world = await make_world(db, communities=1, grids=1)
    before = await snapshot(db)
    with pytest.raises(InvalidInput) as err:
        await directory.create_area(
            db, AreaIn.model_construct(code="G99", level=AreaLevel.GRID, name="格", parent_code=world.community,
                                       lat=None, lon=None, households=2**31))
    assert err.value.code == "invalid_value"
    assert await snapshot(db) == before


async def test_missing_unit_and_project_are_not_found(db):
    world = await make_world(db, communities=1, grids=1)
    unit = await make_unit(db, world)
    with pytest.raises(NotFound) as err:
        await work.claim_project(db, 999_999, unit.id, ADMIN)
    assert err.value.code == "project_not_found"
    with pytest.raises(NotFound) as err:
        await directory.get_unit(db, 999_999)
    assert err.value.code == "unit_not_found"


def test_valid_examples_pass():
    """The bases above are accepted, so each refusal is caused by its change alone."""
    for model, base in [(NeedIn, NEED), (ResourceIn, RESOURCE), (ProjectIn, PROJECT)]:
        model(**base)
    ResourceIn(**{**RESOURCE, "fee_type": "low_cost", "fee_amount": Decimal("5.00"),
                  "availability": [{"weekday": 1, "start": "09:00", "end": "10:00"}]})
    ProjectIn(**{**PROJECT, "window_start": dt.datetime(2025, 5, 1, 9, tzinfo=dt.UTC)})
    assert ServiceMode("venue")
