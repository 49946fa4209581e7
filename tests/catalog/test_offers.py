"""The offer rule on plain values: each refusal, and which one names a pair that fails several."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.enums import AssignmentRole, ProjectStatus as PS
from catalog.lists.offers import OFFER_FROM, OFFERED, offer_refusal, resource_refusal, unit_refusal

FINE = dict(
    unit_id=1, unit_status="active", unit_cap=2, unit_live=1, project_status="published",
    resource_id=7, resource_unit_id=1, resource_status="published",
)


def test_the_offer_starts_and_ends_where_the_transition_table_says():
    assert {PS.PUBLISHED} == OFFER_FROM and OFFERED is PS.DISPATCHED


def test_a_pair_that_passes_every_check_is_not_refused():
    assert offer_refusal(**FINE) is None
    assert offer_refusal(**(FINE | {"resource_id": None, "resource_unit_id": None, "resource_status": None})) is None


@pytest.mark.parametrize(("change", "code"), [
    ({"unit_status": None}, "unit_not_found"),
    ({"unit_status": "suspended"}, "unit_suspended"),
    ({"unit_live": 2}, "unit_cap_reached"),
    ({"resource_status": None}, "resource_not_found"),
    ({"resource_unit_id": 2}, "resource_not_of_unit"),
    ({"resource_status": "delisted"}, "resource_not_published"),
    ({"project_status": None}, "project_not_found"),
    ({"project_status": "dispatched"}, "illegal_transition"),
    ({"on_project": AssignmentRole.LEAD}, "unit_is_lead"),
    ({"on_project": AssignmentRole.HELPER}, "already_helper"),
    ({"capacity_projects": 3, "resource_live": 3}, "resource_full"),
    ({"capacity_hours": Decimal(10), "resource_live_hours": Decimal(8), "project_hours": Decimal(3)}, "resource_full"),
])
def test_each_refusal(change, code):
    assert offer_refusal(**(FINE | change)) == code


def test_capacity_is_checked_only_when_given():
    assert offer_refusal(**(FINE | {"resource_live": 99, "project_hours": Decimal(99)})) is None
    assert offer_refusal(**(FINE | {"capacity_hours": Decimal(10), "resource_live_hours": Decimal(7),
                                    "project_hours": Decimal(3)})) is None


def test_the_unit_comes_first_then_the_resource_then_the_project_then_the_team_then_capacity():
    everything_wrong = FINE | {
        "unit_status": "suspended", "resource_status": "delisted", "project_status": "cancelled",
        "on_project": AssignmentRole.HELPER, "capacity_projects": 0,
    }
    order = ["unit_suspended", "resource_not_published", "illegal_transition", "already_helper", "resource_full"]
    fixes = [{"unit_status": "active"}, {"resource_status": "published"}, {"project_status": "published"},
             {"on_project": None}, {"capacity_projects": None}]
    for code, fix in zip(order, fixes, strict=True):
        assert offer_refusal(**everything_wrong) == code
        everything_wrong |= fix
    assert offer_refusal(**everything_wrong) is None


def test_a_helper_is_offered_from_the_statuses_its_writer_names():
    team = (PS.DISPATCHED, PS.ACCEPTED, PS.IN_PROGRESS)
    assert offer_refusal(**(FINE | {"project_status": "dispatched", "open_from": team})) is None
    assert offer_refusal(**(FINE | {"project_status": "published", "open_from": team})) == "illegal_transition"


def test_the_parts_alone():
    assert unit_refusal("active", 1, 0) is None and unit_refusal("active", 1, 1) == "unit_cap_reached"
    assert resource_refusal(1, None, None, None) is None
    assert resource_refusal(1, 7, 1, "pending") == "resource_not_published"
