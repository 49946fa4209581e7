"""成员单位 · 资源清单: the unit's resources — list, publish a new one, edit, take down, put back up.

A new or edited listing waits for the alliance's review (待审核); a listing taken down (已下架)
goes back up at once, since it reads as it did when it was reviewed. Another unit's listing is
never offered for editing here: it answers as if it did not exist.
"""

from __future__ import annotations

import re
from typing import Any

from catalog import scoped
from catalog.enums import FeeType, ResourceStatus, Role, ServiceMode
from catalog.errors import DomainError, NotFound
from catalog.models import NoteIn, Resource, ResourceFilter, ResourceIn

from ..kit import Form, View, names, page, parse_form

UNIT = (Role.UNIT,)
LIST = "/unit/resources"

_WEEKDAY = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7,
            **{str(i): i for i in range(1, 8)}}
WEEKDAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
_SLOT = re.compile(r"^(?:周|星期|礼拜)?([一二三四五六日天1-7])\s*[：:,，]?\s*"
                   r"(\d{1,2})[:：](\d{2})\s*(?:-|~|～|—|－|至|到)\s*(\d{1,2})[:：](\d{2})$")
_TAGS = re.compile(r"[,，、;；\n]+")
TEXT_LISTS = ("skills", "target_groups")

# A rule about several fields, shown next to the field that fixes it.
_RULE_FIELD = (("每月可承接", "capacity_projects"), ("服务社区或服务半径", "area_communities"),
               ("服务半径须同时", "radius_km"), ("有效期", "valid_to"), ("低偿", "fee_amount"))
_DOMAIN_FIELD = {"unknown_category": "category_code", "category_retired": "category_code",
                 "unknown_community": "area_communities"}


def slot_text(slot: dict[str, Any]) -> str:
    return f"{WEEKDAY_NAMES.get(int(slot['weekday']), slot['weekday'])} {slot['start']}-{slot['end']}"


def _slots(text: str) -> tuple[list[dict[str, Any]], str]:
    """``周一 09:00-11:30`` per line → weekly slots, or the first line that is not one."""
    out = []
    for n, line in enumerate((x.strip() for x in text.splitlines()), start=1):
        if not line:
            continue
        m = _SLOT.match(line)
        if not m:
            return [], f"第 {n} 行应写成“周一 09:00-11:30”"
        day, h1, m1, h2, m2 = m.groups()
        start, end = f"{int(h1):02d}:{m1}", f"{int(h2):02d}:{m2}"
        if int(h1) > 23 or int(h2) > 23 or int(m1) > 59 or int(m2) > 59:
            return [], f"第 {n} 行的时间不正确"
        if start >= end:
            return [], f"第 {n} 行的开始时间应早于结束时间"
        out.append({"weekday": _WEEKDAY[day], "start": start, "end": end})
    if len(out) > 50:
        return [], "最多 50 个时段"
    return out, ""


def _rule_message(message: str) -> str:
    """A model rule's message without its English gloss: ``须填写… (capacity_projects …)`` → ``须填写…``."""
    return re.sub(r"\s*\([\x20-\x7e]*\)\s*$", "", message)


def parse_resource(v: View, unit_id: int) -> tuple[ResourceIn | None, Form]:
    """The posted resource form as :class:`ResourceIn`, with every message next to its field."""
    raw = v.form_data
    assert raw is not None
    data: dict[str, Any] = {k: raw.get(k) for k in ResourceIn.model_fields
                            if isinstance(raw.get(k), str) and k not in (*TEXT_LISTS, "availability")}
    for k in TEXT_LISTS:
        value = raw.get(k)
        text = value if isinstance(value, str) else ""
        data[k] = [t.strip() for t in _TAGS.split(text) if t.strip()]
    data["area_communities"] = [x for x in raw.getall("area_communities", []) if isinstance(x, str)]
    availability = raw.get("availability")
    slots_text = availability if isinstance(availability, str) else ""
    slots, slot_error = _slots(slots_text)
    extra: dict[str, Any] = {"unit_id": unit_id}
    if not slot_error:
        extra["availability"] = slots
    model, form = parse_form(ResourceIn, data, lists=(*TEXT_LISTS, "area_communities"), extra=extra,
                             messages={"fee_amount": "请填写金额，如 20 或 15.50"})
    for k in TEXT_LISTS:
        form.values[k] = raw.get(k, "")
    form.values["availability"] = slots_text
    if slot_error:
        form.fail(slot_error, "availability")
        model = None
    general = []
    for message in form.general:
        shown = _rule_message(message)
        target = next((f for key, f in _RULE_FIELD if key in shown), None)
        if target and target not in form.errors:
            form.errors[target] = shown
        else:
            general.append(shown)
    form.general = general
    return (model if form.ok else None), form


def form_of(r: Resource) -> Form:
    """A stored listing as the edit form shows it."""
    def s(x: Any) -> str:
        return "" if x is None else str(x)

    return Form(values={
        "title": r.title, "content": r.content, "category_code": r.category_code,
        "skills": "，".join(r.skills), "target_groups": "，".join(r.target_groups),
        "capacity_projects": s(r.capacity_projects), "capacity_hours": s(r.capacity_hours),
        "area_communities": list(r.area_communities), "centre_lat": s(r.centre_lat),
        "centre_lon": s(r.centre_lon), "radius_km": s(r.radius_km),
        "availability": "\n".join(slot_text(x) for x in r.availability),
        "valid_from": s(r.valid_from), "valid_to": s(r.valid_to), "mode": r.mode.value,
        "fee_type": r.fee_type.value, "fee_amount": s(r.fee_amount),
    })


def _fail(form: Form, exc: DomainError) -> None:
    field = _DOMAIN_FIELD.get(exc.code)
    if field:
        form.fail(exc.message, field)
    else:
        form.fail(exc.message)


async def _choices(v: View) -> dict:
    return {"category_choices": await names.category_choices(v), "community_choices": await names.community_choices(v),
            "modes": list(ServiceMode.labels().items()), "fee_types": list(FeeType.labels().items())}


async def own_resource(v: View) -> Resource:
    """The caller's own listing; another unit's answers 404 like a listing that does not exist."""
    rid = v.id("resource_id")
    r = await scoped.get_resource(v.db, v.me, rid)
    if r.unit_id != v.me.unit_id:
        raise NotFound("资源不存在", code="resource_not_found", details={"id": rid})
    return r


# --- the list --------------------------------------------------------------------------------


@page(LIST, roles=UNIT, template="unit/resources.html", nav="资源清单", order=40)
async def resources(v: View) -> dict:
    f = v.query(ResourceFilter, unit_id=v.me.unit_id)
    return {"page": await scoped.list_resources(v.db, v.me, f), "filter": f,
            "categories": await names.category_names(v), "statuses": list(ResourceStatus.labels().items())}


# --- new -------------------------------------------------------------------------------------


def _new_form() -> Form:
    return Form(values={"mode": ServiceMode.HOME.value, "fee_type": FeeType.FREE.value, "capacity_projects": "2"})


@page(LIST + "/new", roles=UNIT, template="unit/resource_form.html")
async def new(v: View) -> dict:
    return {"form": _new_form(), "r": None, **await _choices(v)}


@page(LIST + "/new", method="POST", roles=UNIT, template="unit/resource_form.html")
async def create(v: View):
    data, form = parse_resource(v, v.me.unit_id or 0)
    if data is not None:
        try:
            r = await scoped.create_resource(v.db, v.me, data)
        except DomainError as exc:
            _fail(form, exc)
        else:
            return v.redirect(f"{LIST}/{r.id}", f"资源“{r.title}”已提交，等待联盟审核后发布")
    return {"form": form, "r": None, **await _choices(v)}


# --- one listing: edit, take down, put back up -----------------------------------------------


@page(LIST + "/{resource_id}", roles=UNIT, template="unit/resource_form.html")
async def edit(v: View) -> dict:
    r = await own_resource(v)
    return {"form": form_of(r), "r": r, **await _choices(v)}


@page(LIST + "/{resource_id}", method="POST", roles=UNIT, template="unit/resource_form.html")
async def update(v: View):
    r = await own_resource(v)
    data, form = parse_resource(v, r.unit_id)
    if data is not None:
        try:
            r = await scoped.update_resource(v.db, v.me, r.id, data)
        except DomainError as exc:
            _fail(form, exc)
        else:
            return v.redirect(f"{LIST}/{r.id}", "修改已保存，资源待联盟重新审核后发布")
    return {"form": form, "r": r, **await _choices(v)}


@page(LIST + "/{resource_id}/delist", method="POST", roles=UNIT)
async def delist(v: View):
    r = await own_resource(v)
    data, form = v.validate(NoteIn)
    if data is None:
        return v.back(LIST, "；".join(form.general + list(form.errors.values())), "error")
    await scoped.delist_resource(v.db, v.me, r.id, data)
    return v.back(LIST, f"资源“{r.title}”已下架，不再用于新项目；已承接的项目照常进行")


@page(LIST + "/{resource_id}/relist", method="POST", roles=UNIT)
async def relist(v: View):
    r = await own_resource(v)
    await scoped.relist_resource(v.db, v.me, r.id)
    return v.back(LIST, f"资源“{r.title}”已重新上架")
