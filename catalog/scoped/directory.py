"""Areas and categories: everyone reads them (the public too); the alliance administrator
maintains them."""

from __future__ import annotations

from catalog.lists import directory
from catalog.models import Area, AreaIn, Category, CategoryIn, Principal
from catalog.people import access
from catalog.storage.tx import Db

from .common import forbidden


async def list_areas(db: Db) -> list[Area]:
    """区县、街道、社区、网格: public, like the list of categories."""
    return await directory.list_areas(db)


async def list_categories(db: Db, *, include_retired: bool = False) -> list[Category]:
    """The two-level category tree; retired categories only when asked for (the administrators' page)."""
    return await directory.list_categories(db, include_retired=include_retired)


def _directory_admin(p: Principal) -> None:
    if not access.can_manage_directory(p):
        raise forbidden("只有联盟管理员可以维护区域和分类")


async def create_area(db: Db, p: Principal, data: AreaIn) -> Area:
    _directory_admin(p)
    return await directory.create_area(db, data)


async def create_category(db: Db, p: Principal, data: CategoryIn) -> Category:
    _directory_admin(p)
    return await directory.create_category(db, data, p.actor)


async def retire_category(db: Db, p: Principal, code: str) -> Category:
    _directory_admin(p)
    return await directory.retire_category(db, code, p.actor)
