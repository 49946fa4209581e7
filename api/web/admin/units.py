"""街道/联盟管理员 · 成员单位, 资源审核, 服务分类.

Member units: list with filters and paging, add, edit (details and the cap on live work),
suspend and reinstate with a note; each unit's resources with review (审核发布) and take-down.
Categories: the two-level tree, add a subcategory, retire one. A street's administrator lists,
adds and manages the units homed in their street and reviews their resources; the alliance's,
every unit; only the alliance administrator edits categories (the scoped calls refuse the rest,
the page only hides buttons that would be refused).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints

from catalog import scoped
from catalog.enums import ResourceStatus, Role, UnitStatus, UnitType
from catalog.errors import DomainError, Forbidden
from catalog.models import CategoryIn, Input, NoteIn, ResourceFilter, UnitEditIn, UnitIn, UnitListFilter, UnitView
from catalog.storage.settings import get_settings

from ..kit import Form, View, names, page

ADMIN = (Role.STREET_ADMIN,)
UNITS = "/admin/units"
CATEGORIES = "/admin/categories"
REVIEW = "/admin/resources"

_MESSAGES = {"active_cap": "承接上限须为 1 到 1000 之间的整数", "unit_type": "请选择单位类型",
             "home_area": "请选择所属区域"}
_DOMAIN_FIELD = {"duplicate_unit": "name", "unknown_area": "home_area", "duplicate_category": "name",
                 "unknown_category": "parent_code"}


def _fail(form: Form, exc: DomainError) -> Form:
    field = _DOMAIN_FIELD.get(exc.code)
    if exc.code == "duplicate_category" and "编码" in exc.message:
        field = "suffix"
    return form.fail(exc.message, field or "")


async def _area_choices(v: View) -> list[tuple[str, str]]:
    """Where the reader may home a unit, as ``街道`` and ``街道 · 社区``: the county, every street
    and community for the alliance's administrator; a street's, their street and its communities."""
    areas = await names.areas(v)
    streets = {a.code: a.name for a in areas if a.level.value == "street"}
    out = [(a.code, a.name) for a in areas if a.level.value in ("district", "street")]
    out += [(a.code, f"{streets.get(a.parent_code or '', '')} · {a.name}")
            for a in areas if a.level.value == "community"]
    mine = scoped.admin_street(v.me)
    if mine is not None:
        parent = {a.code: a.parent_code for a in areas}
        out = [(code, name) for code, name in out if mine in (code, parent.get(code))]
    return sorted(out, key=lambda x: x[0])


async def _unit_choices(v: View) -> dict:
    return {"unit_types": list(UnitType.labels().items()), "area_choices": await _area_choices(v),
            "area_names": await names.area_names(v)}


# --- member units ----------------------------------------------------------------------------


@page(UNITS, roles=ADMIN, template="admin/units.html", nav="成员单位", order=60, home=True)
async def units(v: View) -> dict:
    f = v.query(UnitListFilter)
    return {"page": await scoped.list_managed_units(v.db, v.me, f), "filter": f,
            "statuses": list(UnitStatus.labels().items()), **await _unit_choices(v)}


@page(UNITS + "/new", roles=ADMIN, template="admin/units_form.html")
async def new_unit(v: View) -> dict:
    return {"form": Form(values={"active_cap": str(get_settings().unit_active_cap)}), "u": None,
            **await _unit_choices(v)}


@page(UNITS + "/new", method="POST", roles=ADMIN, template="admin/units_form.html")
async def create_unit(v: View):
    data, form = v.validate(UnitIn, messages=_MESSAGES)
    if data is not None:
        try:
            u = await scoped.create_unit(v.db, v.me, data)
        except DomainError as exc:
            _fail(form, exc)
        else:
            return v.redirect(f"{UNITS}/{u.id}", f"已添加成员单位“{u.name}”。请为其开设账号，单位即可登记资源")
    return {"form": form, "u": None, **await _unit_choices(v)}


def _unit_form(u: UnitView) -> Form:
    return Form(values={"name": u.name, "unit_type": u.unit_type.value, "contact_name": u.contact_name,
                        "contact_phone": u.contact_phone, "home_area": u.home_area, "active_cap": str(u.active_cap)})


async def _unit_context(v: View, form: Form | None = None, note_form: Form | None = None) -> dict:
    uid = v.id("unit_id")
    u = await scoped.get_unit(v.db, v.me, uid)
    res = await scoped.list_resources(v.db, v.me, ResourceFilter(unit_id=uid, limit=100))
    return {"u": u, "form": form or _unit_form(u), "note_form": note_form or Form(),
            "live": await scoped.unit_live_work(v.db, v.me, uid),
            "credit": await scoped.credit_score(v.db, v.me, uid), "resources": res.items,
            "categories": await names.category_names(v), **await _unit_choices(v)}


@page(UNITS + "/{unit_id}", roles=ADMIN, template="admin/units_form.html")
async def unit(v: View) -> dict:
    return await _unit_context(v)


@page(UNITS + "/{unit_id}", method="POST", roles=ADMIN, template="admin/units_form.html")
async def update_unit(v: View):
    data, form = v.validate(UnitEditIn, messages=_MESSAGES)
    if data is not None:
        try:
            u = await scoped.update_unit(v.db, v.me, v.id("unit_id"), data)
        except DomainError as exc:
            _fail(form, exc)
        else:
            return v.redirect(f"{UNITS}/{u.id}", "单位信息已保存")
    return await _unit_context(v, form=form)


async def _set_status(v: View, status: UnitStatus, done: str):
    data, form = v.validate(NoteIn)
    if data is None:
        return await _unit_context(v, note_form=form)
    try:
        u = await scoped.set_unit_status(v.db, v.me, v.id("unit_id"), status, data)
    except DomainError as exc:
        return await _unit_context(v, note_form=form.fail(exc.message))
    return v.redirect(f"{UNITS}/{u.id}", done.format(name=u.name))


@page(UNITS + "/{unit_id}/suspend", method="POST", roles=ADMIN, template="admin/units_form.html")
async def suspend(v: View):
    return await _set_status(v, UnitStatus.SUSPENDED, "已暂停“{name}”：不能再认领或接单，手头项目照常进行")


@page(UNITS + "/{unit_id}/reinstate", method="POST", roles=ADMIN, template="admin/units_form.html")
async def reinstate(v: View):
    return await _set_status(v, UnitStatus.ACTIVE, "已恢复“{name}”，可以继续认领和接单")


# --- resources waiting for review ------------------------------------------------------------


@page(REVIEW, roles=ADMIN, template="admin/units_resources.html", nav="资源审核", order=62)
async def review(v: View) -> dict:
    f = v.query(ResourceFilter, **({} if "status" in v.request.query else {"status": ResourceStatus.PENDING.value}))
    page_ = await scoped.list_resources(v.db, v.me, f)
    unit_names = {i: (await scoped.get_unit(v.db, v.me, i)).name for i in sorted({r.unit_id for r in page_.items})}
    return {"page": page_, "filter": f, "unit_names": unit_names, "categories": await names.category_names(v),
            "community_names": await names.area_names(v), "statuses": list(ResourceStatus.labels().items())}


@page(REVIEW + "/{resource_id}/publish", method="POST", roles=ADMIN)
async def publish_resource(v: View):
    r = await scoped.publish_resource(v.db, v.me, v.id("resource_id"))
    return v.back(REVIEW, f"资源“{r.title}”已审核发布")


@page(REVIEW + "/{resource_id}/delist", method="POST", roles=ADMIN)
async def delist_resource(v: View):
    data, form = v.validate(NoteIn)
    if data is None:
        return v.back(REVIEW, "；".join(form.general + list(form.errors.values())), "error")
    r = await scoped.delist_resource(v.db, v.me, v.id("resource_id"), data)
    return v.back(REVIEW, f"资源“{r.title}”已下架")


# --- categories ------------------------------------------------------------------------------


class SubcategoryForm(Input):
    """A new subcategory as the page asks for it; its code is ``<parent>.<suffix>``."""

    parent_code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]{1,63}$")]
    suffix: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=31,
                                             pattern=r"^[a-z][a-z0-9_]*$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    sort_order: Annotated[int, Field(ge=0, le=9999)] = 0


async def _category_context(v: View, form: Form | None = None) -> dict:
    cats = await scoped.list_categories(v.db, include_retired=True)
    tops = sorted((c for c in cats if c.parent_code is None), key=lambda c: (c.sort_order, c.code))
    subs: dict[str, list] = {}
    for c in sorted((c for c in cats if c.parent_code is not None), key=lambda c: (c.sort_order, c.code)):
        subs.setdefault(c.parent_code or "", []).append(c)
    return {"tops": tops, "subs": subs, "form": form or Form(), "may_edit": scoped.can_manage_directory(v.me),
            "parents": [(c.code, c.name) for c in tops if c.retired_at is None]}


@page(CATEGORIES, roles=ADMIN, template="admin/categories.html", nav="服务分类", order=64)
async def categories(v: View) -> dict:
    return await _category_context(v)


@page(CATEGORIES, method="POST", roles=ADMIN, template="admin/categories.html", invalidates=("directory", "board"))
async def add_subcategory(v: View):
    if not scoped.can_manage_directory(v.me):  # no form on their page: refuse outright, not beside a form
        raise Forbidden("只有联盟管理员可以维护区域和分类", code="forbidden")
    data, form = v.validate(SubcategoryForm, messages={
        "suffix": "编码须以小写英文字母开头，只含小写字母、数字和下划线（如 elderly_meal）",
        "parent_code": "请选择上级分类", "sort_order": "排序须为 0 到 9999 之间的整数"})
    if data is not None:
        code = f"{data.parent_code}.{data.suffix}"
        if len(code) > 64 or not re.fullmatch(r"[a-z][a-z0-9_.]{1,63}", code):
            form.fail("编码过长，请缩短", "suffix")
        else:
            try:
                c = await scoped.create_category(v.db, v.me, CategoryIn(
                    code=code, name=data.name, parent_code=data.parent_code, sort_order=data.sort_order))
            except DomainError as exc:
                _fail(form, exc)
            else:
                return v.redirect(CATEGORIES, f"已添加分类“{c.name}”（{c.code}）")
    return await _category_context(v, form)


@page(CATEGORIES + "/{code}/retire", method="POST", roles=ADMIN, invalidates=("directory", "board"))
async def retire(v: View):
    c = await scoped.retire_category(v.db, v.me, v.text("code"))
    return v.redirect(CATEGORIES, f"已停用分类“{c.name}”：旧记录保留，新的需求、项目和资源不能再选它")
