"""Who may read and change what, and how much personal data they see.

Every rule is a small pure function of a :class:`~catalog.models.Principal` and the object, so
the scoped service (``catalog.scoped``) and the tests share one statement of the rules:

* a grid worker records and reads needs of their own grid only;
* a secretary reads and changes the needs and projects of their own community;
* a street admin reads (never changes) the needs and projects of their street, and manages the
  member units homed in their street (in it or in one of its communities): edits, suspends and
  reinstates them, reviews and takes down their resources, reads their credit ledger, their
  work and their contacts in full. Without a street they are the alliance's administrator: the
  whole county, and the units homed county-wide too;
* a member unit reads projects that are out in the open (published onwards) and those it ever
  held; it changes only its own resources, claims, progress and completion;
* the batch job reads open projects and proposes units for them.

Reading something outside one's scope is answered as if it did not exist (404), so ids cannot
be probed; changing something one may read but not change is refused (403).

Personal data (a requester's name and phone, a unit contact's name and phone) is shown in full
only to those who must act on it: the secretary of the community, the grid worker of the grid,
the unit while it holds the project (from the confirmed claim or accepted offer until it reports
completion; a helper unit from accepting its helper role until it ends); a unit's contact to the
unit itself and the administrators who manage it. Other staff see it masked (``张*``,
``138****1234``); the public never sees it at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from catalog.enums import ProjectStatus, ResourceStatus, Role
from catalog.models import Need, Principal, Project, Resource, Unit

STAFF = frozenset({Role.GRID_WORKER, Role.SECRETARY, Role.STREET_ADMIN})

# Statuses in which a project is out in the open: on the public board and visible to every unit.
OPEN_TO_ALL = frozenset({
    ProjectStatus.PUBLISHED, ProjectStatus.CLAIMING, ProjectStatus.DISPATCHED, ProjectStatus.ACCEPTED,
    ProjectStatus.IN_PROGRESS, ProjectStatus.AWAITING_CLOSE, ProjectStatus.CLOSED, ProjectStatus.RATED,
})
# What the batch job works on: projects still looking for a unit.
OPEN_FOR_BATCH = frozenset({ProjectStatus.PUBLISHED})


class Personal(StrEnum):
    """How much of a record's personal data a reader gets."""

    FULL = "full"
    MASKED = "masked"


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: the surname stays, the rest is hidden."""
    name = name.strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


# Phone-shaped numbers: a mainland mobile (1[3-9] and nine digits, maybe after +86, maybe in
# 3-4-4 groups split by spaces or dashes) or a landline with its area code (0 and two or three
# digits: 010, 0351; then seven or eight digits not starting with 0), the code maybe in
# brackets. The text around them is ours too: project and need numbers (XM0000270), area codes
# (12 and 14 digits), dates, amounts. So a match must stand alone: no letter or digit before it
# (a number's prefix, or a longer code), no digit after it, nor a decimal point and digit on
# either side (an amount). A bare local number (1234567) is left alone: it cannot be told from
# an amount or a date.
_NOT_AFTER = r"(?<![0-9A-Za-z])(?<![0-9]\.)"
_NOT_BEFORE = r"(?![0-9])(?!\.[0-9])"
_PHONE_LIKE = re.compile(
    _NOT_AFTER
    + r"(?:"
    + r"(?:\+86[ -]?)?1[3-9][0-9](?P<s>[ -]?)[0-9]{4}(?P=s)[0-9]{4}"  # mobile
    + r"|(?:0[1-9][0-9]{1,2}[ -]?|[(（]0[1-9][0-9]{1,2}[)）] ?)[1-9][0-9]{6,7}"  # landline
    + r")"
    + _NOT_BEFORE
)


def scrub(text: str, names: Iterable[str] = ()) -> str:
    """Free text as a masked reader sees it: the residents' own names and phone-like numbers hidden.

    Titles and notes are written by people, who put "张建国家水管漏水，电话139…" in them; the
    structured fields are masked anyway, so the text must not give them away.
    """
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return _PHONE_LIKE.sub(lambda m: mask_phone(_phone_digits(m.group())), text)


def _phone_digits(shown: str) -> str:
    """The number as dialled within the country: separators, brackets and +86 dropped."""
    digits = "".join(c for c in shown if c.isascii() and c.isdigit())
    return digits[2:] if shown.startswith("+86") else digits


def blur_point(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    """About 100 m: enough to see where help is needed, not which door."""
    if lat is None or lon is None:
        return lat, lon
    return round(lat, 3), round(lon, 3)


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; short numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(0, len(digits) - 2) + digits[-2:]


def in_scope(p: Principal, community: str) -> bool:
    return p.role in STAFF and (p.communities is None or community in p.communities)


def is_admin(p: Principal) -> bool:
    return p.role is Role.STREET_ADMIN


def is_alliance_admin(p: Principal) -> bool:
    return p.role is Role.STREET_ADMIN and p.street_code is None


def manages_street(p: Principal, street: str | None) -> bool:
    """Whether ``p`` manages what is homed in ``street`` (None: county-wide, in no street): a
    street's administrator their own street, the alliance's every street and the county."""
    return is_alliance_admin(p) or (is_admin(p) and street is not None and street == p.street_code)


def admin_street(p: Principal) -> str | None:
    """The street an administrator's management is limited to; None for the alliance's."""
    return None if is_alliance_admin(p) else p.street_code


OUT_OF_STREET = "街道管理员只能管理本街道的成员单位及其资源；县级单位和其他街道的单位由联盟管理员或所在街道的管理员管理"


# --- needs -----------------------------------------------------------------------------------


def can_read_need(p: Principal, need: Need) -> bool:
    if p.role is Role.GRID_WORKER:
        return need.community_code == p.community_code and need.grid_code == p.grid_code
    return p.role in (Role.SECRETARY, Role.STREET_ADMIN) and in_scope(p, need.community_code)


def need_personal(p: Principal, need: Need) -> Personal:
    if p.role is Role.SECRETARY and need.community_code == p.community_code:
        return Personal.FULL
    if p.role is Role.GRID_WORKER and need.grid_code == p.grid_code and need.community_code == p.community_code:
        return Personal.FULL
    return Personal.MASKED


def can_submit_need(p: Principal, community: str, grid: str | None) -> bool:
    if p.role is Role.SECRETARY:
        return community == p.community_code
    if p.role is Role.GRID_WORKER:
        return community == p.community_code and grid == p.grid_code
    return False


def can_review_need(p: Principal, need: Need) -> bool:
    return p.role is Role.SECRETARY and need.community_code == p.community_code


def can_withdraw_need(p: Principal, need: Need) -> bool:
    return can_review_need(p, need) or (p.role is Role.GRID_WORKER and can_read_need(p, need))


# --- projects --------------------------------------------------------------------------------


def can_read_project(p: Principal, project: Project, *, held_by: set[int]) -> bool:
    """``held_by``: every unit that ever had a claim or offer on the project."""
    if p.role in STAFF:
        return in_scope(p, project.community_code)
    if p.role is Role.UNIT:
        return project.status in OPEN_TO_ALL or p.unit_id in held_by
    if p.role is Role.BATCH:
        return project.status in OPEN_FOR_BATCH
    return False


def can_manage_project(p: Principal, project: Project) -> bool:
    """Publish, cancel, confirm or reject claims, direct and withdraw offers: the secretary."""
    return p.role is Role.SECRETARY and project.community_code == p.community_code


def can_propose(p: Principal, project: Project) -> bool:
    return can_manage_project(p, project) or p.role is Role.BATCH


def project_personal(p: Principal, project: Project, *, owner: int | None,
                     helpers: Iterable[int] = ()) -> Personal:
    """``owner``: the unit holding the project now (its claim confirmed or offer accepted), if any;
    ``helpers``: the units whose helper role (协办) is accepted and not yet over, who hold it too."""
    if p.role is Role.SECRETARY and project.community_code == p.community_code:
        return Personal.FULL
    if p.role is Role.UNIT and p.unit_id is not None and (p.unit_id == owner or p.unit_id in set(helpers)):
        return Personal.FULL
    return Personal.MASKED


def can_act_as_unit(p: Principal) -> bool:
    return p.role is Role.UNIT and p.unit_id is not None


# --- resources and units ---------------------------------------------------------------------
#
# Units are managed where they are homed (``Unit.home_street``); a resource by whoever manages
# its unit. Rules taking ``unit`` take the resource's unit.


def can_manage_unit(p: Principal, unit: Unit) -> bool:
    """Edit, suspend and reinstate the unit, review and take down its resources, add resources
    for it, read its ledger and work: the administrators who manage its street."""
    return manages_street(p, unit.home_street)


def can_read_resource(p: Principal, resource: Resource, unit: Unit) -> bool:
    return (resource.status is ResourceStatus.PUBLISHED or can_manage_unit(p, unit)
            or (p.role is Role.UNIT and p.unit_id == resource.unit_id))


def can_create_resource_for(p: Principal, unit: Unit) -> bool:
    return can_manage_unit(p, unit) or (p.role is Role.UNIT and p.unit_id == unit.id)


def can_review_resource(p: Principal, unit: Unit) -> bool:
    return can_manage_unit(p, unit)


def can_delist_resource(p: Principal, resource: Resource, unit: Unit) -> bool:
    return can_manage_unit(p, unit) or (p.role is Role.UNIT and p.unit_id == resource.unit_id)


def unit_contact_personal(p: Principal, unit: Unit) -> Personal:
    if can_manage_unit(p, unit) or (p.role is Role.UNIT and p.unit_id == unit.id):
        return Personal.FULL
    return Personal.MASKED


def can_read_unit(p: Principal) -> bool:
    return p.role in STAFF or p.role in (Role.UNIT, Role.BATCH)


def can_manage_units(p: Principal) -> bool:
    """Open the management of units at all (list, add): the administrators; which units, and
    which homes a new one may have, :func:`can_manage_unit` and :func:`manages_street` say."""
    return is_admin(p)


def can_read_ledger(p: Principal, unit: Unit) -> bool:
    return can_manage_unit(p, unit) or (p.role is Role.UNIT and p.unit_id == unit.id)


def can_manage_directory(p: Principal) -> bool:
    """Areas and categories are the whole alliance's vocabulary: only its administrator edits them."""
    return is_alliance_admin(p)


def can_manage_accounts(p: Principal) -> bool:
    return is_alliance_admin(p)
