"""Member units as one principal sees them: everyone reads a unit (its contact masked unless
the reader is the unit or manages it); administrators add, correct, suspend and reinstate the
units they manage; a unit and its administrators read its credit ledger, its claims and offers
and its live work against the cap."""

from __future__ import annotations

from catalog.enums import UnitStatus
from catalog.errors import Forbidden
from catalog.lists import directory, editing
from catalog.models import (
    AssignmentFilter,
    CreditLedger,
    CreditLedgerEntry,
    CreditScore,
    ListQuery,
    NoteIn,
    Principal,
    Unit,
    UnitAssignment,
    UnitAssignmentPage,
    UnitFilter,
    UnitIn,
    UnitPage,
    UnitView,
)
from catalog.models.editing import UnitEditIn, UnitListFilter, UnitRow, UnitRowPage
from catalog.oversight import credit
from catalog.people import access
from catalog.people.access import Personal
from catalog.storage.paging import next_cursor
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

from .common import forbidden, out_of_street


def unit_view(p: Principal, unit: Unit) -> UnitView:
    level = access.unit_contact_personal(p, unit)
    data = unit.model_dump()
    if level is Personal.MASKED:
        data["contact_name"] = access.mask_name(unit.contact_name)
        data["contact_phone"] = access.mask_phone(unit.contact_phone)
    return UnitView(**data, personal_data=level.value)


async def get_unit(db: Db, p: Principal, unit_id: int) -> UnitView:
    return unit_view(p, await directory.get_unit(db, unit_id))


async def list_units(db: Db, p: Principal, f: UnitFilter) -> UnitPage:
    async with connection(db) as conn:
        rows = await conn.fetch(q("unit_page"), f.unit_type.value if f.unit_type else None,
                                f.after, f.ascending, f.page_size)
    return UnitPage(items=[unit_view(p, Unit.model_validate(dict(r))) for r in rows],
                    next_cursor=next_cursor(rows, f.page_size))


async def may_home_unit_in(db: Db, p: Principal, area: str) -> None:
    """Refuse (403) an administrator who would home a unit in an area outside their street: a
    street's administrator adds units to their street only, or moves them within it."""
    if access.is_alliance_admin(p):
        return
    async with connection(db) as conn:
        row = await conn.fetchrow(q("area_street"), area)
    # an unknown area is not refused here: the write says so (unknown_area, 422)
    if row is not None and not access.manages_street(p, row["street"]):
        raise forbidden("街道管理员只能把成员单位归属到本街道或本街道的社区", "out_of_scope")


async def managed_unit(db: Db, p: Principal, unit_id: int) -> Unit:
    """A unit the caller manages (403 for another street's; it exists, and anyone reads it)."""
    unit = await directory.get_unit(db, unit_id)
    if not access.can_manage_units(p):
        raise forbidden("只有管理员可以管理成员单位")
    if not access.can_manage_unit(p, unit):
        raise out_of_street()
    return unit


async def create_unit(db: Db, p: Principal, data: UnitIn) -> UnitView:
    """An administrator adds a unit: the alliance's anywhere, a street's within their street."""
    if not access.can_manage_units(p):
        raise forbidden("只有管理员可以管理成员单位")
    await may_home_unit_in(db, p, data.home_area)
    return unit_view(p, await directory.create_unit(db, data, p.actor))


async def set_unit_status(db: Db, p: Principal, unit_id: int, status: UnitStatus, data: NoteIn) -> UnitView:
    """Suspend or reinstate a unit the caller manages."""
    await managed_unit(db, p, unit_id)
    unit = await directory.set_unit_status(db, unit_id, status, p.actor, data.note, street=access.admin_street(p))
    return unit_view(p, unit)


async def credit_score(db: Db, p: Principal, unit_id: int) -> CreditScore:
    await directory.get_unit(db, unit_id)
    return await credit.score(db, unit_id)


def _readers_of_ledger(p: Principal) -> Forbidden:
    if access.is_admin(p):
        return out_of_street()
    return forbidden("只有本单位和管理该单位的管理员可以查看")


async def ledger_unit(db: Db, p: Principal, unit_id: int) -> Unit:
    """A unit whose ledger and work the caller may read: the unit itself and its administrators."""
    unit = await directory.get_unit(db, unit_id)
    if not access.can_read_ledger(p, unit):
        raise _readers_of_ledger(p)
    return unit


async def credit_ledger(db: Db, p: Principal, unit_id: int, f: ListQuery) -> CreditLedger:
    await ledger_unit(db, p, unit_id)
    async with connection(db) as conn:
        rows = await conn.fetch(q("credit_ledger_page"), unit_id, f.after, f.ascending, f.page_size)
    return CreditLedger(
        score=await credit.score(db, unit_id),
        items=[CreditLedgerEntry.model_validate(dict(r)) for r in rows],
        next_cursor=next_cursor(rows, f.page_size),
    )


async def unit_assignments(db: Db, p: Principal, unit_id: int, f: AssignmentFilter) -> UnitAssignmentPage:
    """A unit's own claims and offers (its inbox of proposals and its work), for it and the
    administrators who manage it."""
    await ledger_unit(db, p, unit_id)
    async with connection(db) as conn:
        rows = await conn.fetch(q("assignment_list_for_unit"), unit_id, f.status.value if f.status else None,
                                f.after, f.ascending, f.page_size)
    return UnitAssignmentPage(items=[UnitAssignment.model_validate(dict(r)) for r in rows],
                              next_cursor=next_cursor(rows, f.page_size))


# --- the administrators' desk ----------------------------------------------------------------


async def list_managed_units(db: Db, p: Principal, f: UnitListFilter) -> UnitRowPage:
    """The units an administrator manages, with filters (contacts in full for them): a street's
    administrator those homed in the street, the alliance's every unit."""
    if not access.can_manage_units(p):
        raise forbidden("只有管理员可以管理成员单位")
    rows = await editing.unit_rows(db, f, street=access.admin_street(p))
    items = [UnitRow(**unit_view(p, Unit.model_validate(dict(r))).model_dump(), live=r["live"],
                     resources_pending=r["resources_pending"]) for r in rows]
    return UnitRowPage(items=items, next_cursor=next_cursor(rows, f.page_size))


async def unit_live_work(db: Db, p: Principal, unit_id: int) -> int:
    """How many claims and projects the unit holds now (what its cap counts)."""
    await ledger_unit(db, p, unit_id)
    return await editing.unit_live_work(db, unit_id)


async def update_unit(db: Db, p: Principal, unit_id: int, data: UnitEditIn) -> UnitView:
    """An administrator who manages the unit corrects it; a street's keeps it in their street."""
    await managed_unit(db, p, unit_id)
    await may_home_unit_in(db, p, data.home_area)
    return unit_view(p, await editing.update_unit(db, unit_id, data, p.actor, street=access.admin_street(p)))
