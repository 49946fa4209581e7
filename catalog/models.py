"""Pydantic models at the catalog's boundary: what commands accept and what they return.

Input models forbid unknown fields and mirror the database's CHECK constraints, so bad input is
refused with a clear message before any SQL runs; the constraints stay as the last line of defence.
Their JSON Schema (the OpenAPI document's) states what they check, rules across fields included:
a rule added to a validator goes into the model's ``json_schema_extra`` too (catalog.shapes).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, computed_field, model_validator
from pydantic_core import PydanticCustomError

from catalog.enums import (
    AreaLevel,
    CancelReason,
    AssignmentKind,
    AssignmentRole,
    AssignmentStatus,
    DeclineReason,
    DispatchMode,
    FeeType,
    Grade,
    LimitStep,
    NeedStatus,
    Outcome,
    ProjectStatus,
    RejectReason,
    ResourceStatus,
    Role,
    ServiceMode,
    SourceChannel,
    UnitStatus,
    UnitType,
    Urgency,
)
from catalog.oversight.limits import Alert
from catalog.shapes import NON_BLANK, WS_CLASS, Day, Moment, absent, all_or_none, decimal, given, int_pattern, rules, text, when

Code = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,32}$")]
CategoryCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]{1,63}$")]
# Lengths count the text as sent; what is stored has no whitespace around it (catalog.shapes).
Name = text(100)
ShortText = text(2000, blank=True)
LongText = text(5000, blank=True)
# Phone numbers as people write them: spaces, hyphens, dots, brackets, full-width digits and
# +86 / 0086 are taken off; what is stored is the bare number (a landline with a hyphen after
# its area code), always within the database's CHECK.
_PHONE_NOISE = re.compile(r"[\s\-.()\u2010-\u2015\u2212]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# area code 010, 02x or 0xxx (three digits after the 0), then a local number of 7-8 digits
# that never starts with 0 or 1
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([2-9][0-9]{6,7})")
MOBILE_MESSAGE = "请填写 11 位手机号码，如 13812345678"
CONTACT_MESSAGE = "请填写 11 位手机号码或带区号的固定电话，如 13812345678 或 0351-2345678"


def _phone_digits(text: str) -> str:
    """The number's digits, or ``""`` for text far too long to be one."""
    if len(text) > 40:
        return ""
    s = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086"):
        if s.startswith(prefix):
            s = s[len(prefix):]
            # +86 351 …: an area code written after the country code loses its 0
            return s if s[:1] == "0" or _MOBILE.fullmatch(s) else "0" + s
    if len(s) == 13 and s.startswith("86") and _MOBILE.fullmatch(s[2:]):
        return s[2:]
    return s


# The same numbers as the OpenAPI document states them, so that the document accepts exactly what
# the server does: digits (full-width too) with the separators above between them, an optional
# +86 / 0086 / 86 in front (so never more than 40 characters). A number of this shape always normalises to a
# valid one below, and nothing else is taken.
_SEP = "[ \u3000\t.()\\-\u2010-\u2015\u2212]"
_DIGIT = "[0-9\uff10-\uff19]"
# one separator at most between two digits, two at either end or after the country code
MOBILE_SHAPE = (f"^{_SEP}{{0,2}}(?:(?:\\+|00)?86{_SEP}{{0,2}})?[1\uff11]{_SEP}?[3-9\uff13-\uff19]"
                f"(?:{_SEP}?{_DIGIT}){{9}}{_SEP}{{0,2}}$")
LANDLINE_SHAPE = (f"^{_SEP}{{0,2}}(?:(?:\\+|00)86{_SEP}{{0,2}}(?:0{_SEP}?)?|0{_SEP}?)"
                  f"(?:1{_SEP}?0|2{_SEP}?{_DIGIT}|[3-9\uff13-\uff19]{_SEP}?{_DIGIT}{_SEP}?{_DIGIT}){_SEP}{{0,2}}"
                  f"[2-9\uff12-\uff19](?:{_SEP}?{_DIGIT}){{6,7}}{_SEP}{{0,2}}$")
_PHONE_MAX = 40


def _shaped(text: str, shape: str) -> bool:
    return len(text) <= _PHONE_MAX and re.fullmatch(shape, text) is not None


def mobile_number(text: str) -> str:
    """A mainland mobile number, bare (``13812345678``): the closing link goes to it by SMS."""
    if not _shaped(text, MOBILE_SHAPE):
        if _shaped(text, LANDLINE_SHAPE):
            raise ValueError("需要手机号码（用于接收短信），不能填写固定电话")
        raise ValueError(MOBILE_MESSAGE)
    digits = _phone_digits(text)
    if not _MOBILE.fullmatch(digits):  # the shape admits none such; kept as the last word
        raise ValueError(MOBILE_MESSAGE)
    return digits


def contact_number(text: str) -> str:
    """A mobile number, or a landline with its area code (``0351-2345678``)."""
    if not (_shaped(text, MOBILE_SHAPE) or _shaped(text, LANDLINE_SHAPE)):
        raise ValueError(CONTACT_MESSAGE)
    digits = _phone_digits(text)
    if _MOBILE.fullmatch(digits):
        return digits
    if m := _LANDLINE.fullmatch(digits):
        return f"{m.group(1)}-{m.group(2)}"
    raise ValueError(CONTACT_MESSAGE)


# 手机号码: where a text message must reach the person (a resident's need).
MobilePhone = Annotated[str, AfterValidator(mobile_number),
                        Field(description="手机号码：11 位，可带 +86、空格或连字符", examples=["13812345678"],
                              json_schema_extra={"pattern": MOBILE_SHAPE})]
# 联系电话: where someone may call (a unit's contact).
ContactPhone = Annotated[str, AfterValidator(contact_number),
                         Field(description="联系电话：手机号码或带区号的固定电话", examples=["13812345678", "0351-2345678"],
                               json_schema_extra={"anyOf": [{"pattern": MOBILE_SHAPE}, {"pattern": LANDLINE_SHAPE}]})]

Tag = text(30)
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Id = Annotated[int, Field(gt=0, lt=2**63)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, from_attributes=True)


class Actor(Input):
    """Who does something; recorded in history as ``role:ref``."""

    role: Role
    ref: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "-"

    def __str__(self) -> str:
        return f"{self.role.value}:{self.ref}"


SYSTEM = Actor(role=Role.SYSTEM, ref="sweep")


# --- areas, categories, units ----------------------------------------------------------------


class AreaIn(Input):
    """An area; only a district has no parent."""

    model_config = ConfigDict(json_schema_extra=rules(
        when("level", AreaLevel.DISTRICT.value, absent("parent_code"), given("parent_code"))))

    code: Code
    level: AreaLevel
    name: Name
    parent_code: Code | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    households: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None

    @model_validator(mode="after")
    def _root(self) -> AreaIn:
        if (self.level is AreaLevel.DISTRICT) != (self.parent_code is None):
            raise ValueError("只有区县没有上级区域 (only a district has no parent)")
        return self


class Area(Record):
    code: str
    level: AreaLevel
    name: str
    parent_code: str | None
    lat: float | None
    lon: float | None
    households: int | None


class CategoryIn(Input):
    code: CategoryCode
    name: text(50)  # type: ignore[valid-type]
    parent_code: CategoryCode | None = None
    sort_order: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] = 0


class Category(Record):
    code: str
    level: int
    name: str
    parent_code: str | None
    sort_order: int
    retired_at: dt.datetime | None


class UnitIn(Input):
    name: Name
    unit_type: UnitType
    contact_name: Name
    contact_phone: ContactPhone
    home_area: Code
    active_cap: Annotated[int, Field(ge=1, le=1000)] | None = None


class Unit(Record):
    id: int
    name: str
    unit_type: UnitType
    contact_name: str
    contact_phone: str
    home_area: str
    home_street: str | None = Field(description="所属街道（由所属区域得出；空：县级单位，只归联盟管理员管理）")
    status: UnitStatus
    active_cap: int
    created_at: dt.datetime


# --- resources -------------------------------------------------------------------------------

ClockTime = Annotated[str, StringConstraints(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")]


class WeeklySlot(Input):
    """A weekly opening: ISO weekday (1 = Monday) and a time range ``HH:MM``; start before end."""

    weekday: Annotated[int, Field(ge=1, le=7)]
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _order(self) -> WeeklySlot:
        if self.start >= self.end:
            raise PydanticCustomError("slot_order", "开始时间应早于结束时间")
        return self


class ResourceIn(Input):
    """A unit's resource: a monthly capacity in projects or hours (or both); a service area of
    communities, or a circle (centre and radius, all three); a fee only when low-cost; valid_to
    not before valid_from."""

    model_config = ConfigDict(json_schema_extra=rules(
        {"anyOf": [given("capacity_projects"), given("capacity_hours")]},
        all_or_none("centre_lat", "centre_lon", "radius_km"),
        {"anyOf": [{"required": ["area_communities"], "properties": {"area_communities": {"minItems": 1}}},
                   given("radius_km")]},
        when("fee_type", FeeType.LOW_COST.value, given("fee_amount"), absent("fee_amount")),
    ))

    unit_id: Id
    title: Name
    content: LongText = ""
    category_code: CategoryCode
    skills: list[Tag] = Field(default_factory=list, max_length=20)
    capacity_projects: Annotated[int, Field(gt=0, le=10000)] | None = None
    capacity_hours: Annotated[int, Field(gt=0, le=100000)] | None = None
    area_communities: list[Code] = Field(default_factory=list, max_length=200)
    centre_lat: Lat | None = None
    centre_lon: Lon | None = None
    radius_km: Annotated[float, Field(gt=0, le=500)] | None = None
    availability: list[WeeklySlot] = Field(default_factory=list, max_length=50)
    valid_from: Day | None = None
    valid_to: Day | None = None
    mode: ServiceMode
    fee_type: FeeType = FeeType.FREE
    fee_amount: decimal(2, "0", "99999999.99") | None = None  # type: ignore[valid-type]
    target_groups: list[Tag] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _rules(self) -> ResourceIn:
        if self.capacity_projects is None and self.capacity_hours is None:
            raise ValueError("须填写每月可承接项目数或每月服务时长 (capacity_projects or capacity_hours)")
        centre = (self.centre_lat, self.centre_lon, self.radius_km)
        if any(v is not None for v in centre) and any(v is None for v in centre):
            raise ValueError("服务半径须同时填写中心纬度、经度和半径")
        if not self.area_communities and self.radius_km is None:
            raise ValueError("须填写服务社区或服务半径 (area_communities or centre and radius)")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise PydanticCustomError("date_order", "有效期开始日期晚于结束日期")
        if (self.fee_type is FeeType.LOW_COST) != (self.fee_amount is not None):
            raise ValueError("低偿服务须填写收费金额，免费服务不填")
        return self


class Resource(Record):
    id: int
    unit_id: int
    title: str
    content: str
    category_code: str
    skills: list[str]
    capacity_projects: int | None
    capacity_hours: int | None
    area_communities: list[str]
    centre_lat: float | None
    centre_lon: float | None
    radius_km: float | None
    availability: list[dict[str, Any]]
    valid_from: dt.date | None
    valid_to: dt.date | None
    mode: ServiceMode
    fee_type: FeeType
    fee_amount: Decimal | None
    target_groups: list[str]
    status: ResourceStatus
    created_at: dt.datetime
    updated_at: dt.datetime


# --- needs -----------------------------------------------------------------------------------


class NeedIn(Input):
    """A need recorded by staff: lat and lon together or neither; desired_to not before desired_from."""

    model_config = ConfigDict(json_schema_extra=rules(all_or_none("lat", "lon")))

    title: Name
    description: LongText = ""
    category_code: CategoryCode
    community_code: Code
    grid_code: Code | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    beneficiary_count: Annotated[int, Field(ge=1, le=100000)] = 1
    beneficiary_groups: list[Tag] = Field(default_factory=list, max_length=10)
    urgency: Urgency = Urgency.NORMAL
    desired_from: Day | None = None
    desired_to: Day | None = None
    source_channel: SourceChannel
    requester_name: text(50)  # type: ignore[valid-type]
    requester_phone: MobilePhone

    @model_validator(mode="after")
    def _rules(self) -> NeedIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("经纬度须同时填写")
        if self.desired_from and self.desired_to and self.desired_from > self.desired_to:
            raise PydanticCustomError("date_order", "期望开始日期晚于结束日期")
        return self


class Need(Record):
    id: int
    number: str
    title: str
    description: str
    category_code: str
    community_code: str
    grid_code: str | None
    lat: float | None
    lon: float | None
    beneficiary_count: int
    beneficiary_groups: list[str]
    urgency: Urgency
    desired_from: dt.date | None
    desired_to: dt.date | None
    source_channel: SourceChannel
    requester_name: str
    requester_phone: str
    status: NeedStatus
    status_reason: str | None
    project_id: int | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class _ReasonWithNote(Input):
    """A reason code from a closed list; ``other`` needs a note saying what it is."""

    model_config = ConfigDict(json_schema_extra=rules(when(
        "reason", "other", {"required": ["note"], "properties": {"note": {"type": "string", "pattern": NON_BLANK}}})))

    note: ShortText | None = None

    @model_validator(mode="after")
    def _note_for_other(self) -> _ReasonWithNote:
        if getattr(self, "reason", None) == "other" and not self.note:
            raise ValueError("选择“其他原因”时须说明理由")
        return self


class RejectIn(_ReasonWithNote):
    reason: RejectReason


# --- projects --------------------------------------------------------------------------------


Place = text(200, blank=True)
UnitsRequired = Annotated[int, Field(ge=1, le=20)]
EstimatedHours = decimal(1, "0", "10000", lo_open=True)
Priority = Annotated[int, Field(ge=1, le=5)]
_PROJECT_TIMES = ("window_start", "window_end", "claim_deadline")
WINDOW_ORDER = "项目开始时间须早于结束时间"


def project_rule_broken(v: Any) -> str | None:
    """The rules across a project's fields, for a new project and for one as an edit leaves it.

    ``v`` has the fields as attributes; returns what is wrong, in words, or None.
    """
    if (v.lat is None) != (v.lon is None):
        return "经纬度须同时填写"
    if v.window_start and v.window_end and v.window_start >= v.window_end:
        return WINDOW_ORDER
    for name in _PROJECT_TIMES:
        value = getattr(v, name)
        if value is not None and value.tzinfo is None:
            return f"{name} 须带时区"
    return None


class ProjectIn(Input):
    """A project made by a community secretary from one or more accepted needs: lat and lon
    together or neither; window_start before window_end."""

    model_config = ConfigDict(json_schema_extra=rules(all_or_none("lat", "lon")))

    need_ids: list[Id] = Field(min_length=1, max_length=100, json_schema_extra={"uniqueItems": True})
    title: Name
    description: LongText = ""
    category_code: CategoryCode
    community_code: Code
    required_skills: list[Tag] = Field(default_factory=list, max_length=20)
    place: Place = ""
    lat: Lat | None = None
    lon: Lon | None = None
    window_start: Moment | None = None
    window_end: Moment | None = None
    units_required: UnitsRequired = 1
    estimated_hours: EstimatedHours
    priority: Priority = 3
    urgency: Urgency = Urgency.NORMAL
    dispatch_mode: DispatchMode = DispatchMode.CLAIM
    claim_deadline: Moment | None = None

    @model_validator(mode="after")
    def _rules(self) -> ProjectIn:
        if len(set(self.need_ids)) != len(self.need_ids):
            raise ValueError("需求编号重复")
        broken = project_rule_broken(self)
        if broken == WINDOW_ORDER:
            raise PydanticCustomError("window_order", WINDOW_ORDER)
        if broken:
            raise ValueError(broken)
        return self


class Project(Record):
    id: int
    number: str
    title: str
    description: str
    category_code: str
    community_code: str
    required_skills: list[str]
    place: str
    lat: float | None
    lon: float | None
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    units_required: int
    estimated_hours: Decimal
    priority: int
    urgency: Urgency
    dispatch_mode: DispatchMode
    claim_deadline: dt.datetime | None
    status: ProjectStatus
    status_reason: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    accepted_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    completion_note: str | None
    beneficiaries_served: int | None
    hours_spent: Decimal | None
    # 时限预警 as of the last sweep (catalog.oversight.sweep), filled where a project is read by id
    alert_level: Alert | None = None
    alert_step: LimitStep | None = None
    alert_deadline: dt.datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def alert_label(self) -> str | None:
        return self.alert_level.label if self.alert_level is not None else None


class ReasonIn(_ReasonWithNote):
    """Why a unit declines an offer or gives a project back."""

    reason: DeclineReason


class Assignment(Record):
    id: int
    project_id: int
    unit_id: int
    resource_id: int | None
    kind: AssignmentKind
    role: AssignmentRole
    status: AssignmentStatus
    reason_code: str | None
    note: str | None
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    # the secretary's confirmation of a batch proposal (migration 0007); None for claims and offers
    confirmed_at: dt.datetime | None = None
    confirmed_by: str | None = None


class ProgressIn(Input):
    body: text(2000)  # type: ignore[valid-type]
    # the length checked on its own as well, so that a link far too long is told so
    photo_url: Annotated[str, StringConstraints(max_length=508, pattern=f"^https?://[^\x00{WS_CLASS}]{{1,500}}$")] | None = None


class ProgressEntry(Record):
    id: int
    project_id: int
    unit_id: int
    body: str
    photo_url: str | None
    created_at: dt.datetime


class CompletionIn(Input):
    note: text(2000)  # type: ignore[valid-type]
    beneficiaries_served: Annotated[int, Field(ge=0, le=100000)]
    hours_spent: decimal(1, "0", "100000")  # type: ignore[valid-type]


class ClosingIn(Input):
    """What a resident submits through the closing link."""

    outcome: Outcome
    score: Annotated[int, Field(ge=1, le=5)]
    comment: text(1000, blank=True) = ""  # type: ignore[valid-type]


class ClosingLink(Record):
    """A usable closing link: which project it closes, and until when."""

    project_number: str
    expires_at: dt.datetime


class Completion(Record):
    """A completed project and the single-use link token the resident closes it with."""

    project: Project
    closing_token: str


class HistoryEntry(Record):
    id: int
    entity: str
    entity_id: str
    from_status: str | None
    to_status: str
    actor: str
    reason_code: str | None
    note: str | None
    at: dt.datetime


class CreditScore(Record):
    unit_id: int
    score: float
    grade: Grade
    response_rate: float | None
    solve_rate: float | None
    satisfaction: float | None
    events: int


# --- accounts --------------------------------------------------------------------------------

Username = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9][a-z0-9_.-]{2,63}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
ACCOUNT_ROLES = (Role.GRID_WORKER, Role.SECRETARY, Role.STREET_ADMIN, Role.UNIT, Role.BATCH)


class AccountIn(Input):
    """A person's or a job's account. Which scope field is required follows from the role."""

    username: Username
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    password: Password
    role: Role
    community_code: Code | None = None
    grid_code: Code | None = None
    street_code: Code | None = None
    unit_id: Id | None = None

    @model_validator(mode="after")
    def _scope(self) -> AccountIn:
        if self.role not in ACCOUNT_ROLES:
            raise ValueError("居民与系统没有账号 (residents and the system have no account)")
        need = {
            Role.SECRETARY: {"community_code"},
            Role.GRID_WORKER: {"community_code", "grid_code"},
            Role.STREET_ADMIN: {"street_code"},
            Role.UNIT: {"unit_id"},
            Role.BATCH: set(),
        }[self.role]
        given = {f for f in ("community_code", "grid_code", "street_code", "unit_id") if getattr(self, f) is not None}
        optional = {"street_code"} if self.role is Role.STREET_ADMIN else set()
        if not (need - optional) <= given or not given <= need:
            raise ValueError(f"角色 {self.role.value} 的管辖范围应为 {sorted(need) or '无'}")
        return self


class _AccountScope(Record):
    """Who an account is and where it may act; shared by the stored account and the caller."""

    username: str
    display_name: str
    role: Role
    community_code: str | None
    grid_code: str | None
    street_code: str | None
    unit_id: int | None


class Account(_AccountScope):
    id: int
    active: bool
    created_at: dt.datetime


class Principal(_AccountScope):
    """Who is calling, resolved from a bearer token on every request.

    ``communities`` is the set of communities whose needs and projects the account may read:
    one for a secretary or grid worker, the street's for a street admin, ``None`` (all) for the
    alliance administrator, empty for units and the batch job.
    """

    account_id: int
    communities: tuple[str, ...] | None

    @property
    def actor(self) -> Actor:
        return Actor(role=self.role, ref=self.username)


class LoginIn(Input):
    username: Annotated[text(64), AfterValidator(str.lower)]  # type: ignore[valid-type]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Session(Record):
    """A new bearer token. The token is shown once; the database keeps only its hash."""

    token: str
    token_type: str = "Bearer"
    expires_at: dt.datetime
    principal: Principal


# --- lists, views and the public board -------------------------------------------------------

PAGE_MAX = 100


class ListQuery(Input):
    """Paging shared by every list: an opaque cursor, a page size (capped at 100), a direction."""

    # an id: a number past bigint names no row and must not reach the database
    cursor: Annotated[str, StringConstraints(pattern=f"^{int_pattern(0, 2**63 - 1)}$")] | None = None
    limit: Annotated[int, Field(ge=1, le=1_000_000)] = 50
    sort: Annotated[str, StringConstraints(pattern=r"^(newest|oldest)$")] = "newest"

    @property
    def page_size(self) -> int:
        return min(self.limit, PAGE_MAX)

    @property
    def after(self) -> int | None:
        return int(self.cursor) if self.cursor is not None else None

    @property
    def ascending(self) -> bool:
        return self.sort == "oldest"


class NeedFilter(ListQuery):
    community: Code | None = None
    street: Code | None = None
    category: CategoryCode | None = None
    status: NeedStatus | None = None
    urgency: Urgency | None = None
    created_from: Day | None = Field(None, description="创建日期起（含），YYYY-MM-DD，按北京时间")
    created_to: Day | None = Field(None, description="创建日期止（含），YYYY-MM-DD，按北京时间")

    @model_validator(mode="after")
    def _range(self) -> NeedFilter:
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise PydanticCustomError("date_order", "开始日期（created_from）不能晚于结束日期（created_to）")
        return self


class ProjectFilter(NeedFilter):
    status: ProjectStatus | None = None  # type: ignore[assignment]


class ResourceFilter(ListQuery):
    unit_id: Id | None = None
    category: CategoryCode | None = None
    status: ResourceStatus | None = None


class UnitFilter(ListQuery):
    unit_type: UnitType | None = None


class NeedView(Need):
    """A need as one reader sees it: requester name and phone full or masked."""

    personal_data: str


class UnitView(Unit):
    personal_data: str


class TeamMember(Record):
    """A unit on a project's team now: the lead (主办) and the helpers (协办), live or done."""

    assignment_id: int
    unit_id: int
    unit_name: str
    role: AssignmentRole
    kind: AssignmentKind
    status: AssignmentStatus
    created_at: dt.datetime
    expires_at: dt.datetime | None
    answered_at: dt.datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def role_label(self) -> str:
        return self.role.label

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str:
        return self.status.label_for(self.kind)


class ProjectDetail(Record):
    project: Project
    owner_unit_id: int | None
    personal_data: str
    needs: list[NeedView]
    assignments: list[Assignment]
    progress: list[ProgressEntry]
    # the lead first, then the helpers in the order they joined; empty while nobody holds it
    team: list[TeamMember] = Field(default_factory=list)


class NeedPage(Record):
    items: list[NeedView]
    next_cursor: str | None


class ProjectPage(Record):
    items: list[Project]
    next_cursor: str | None


class ResourcePage(Record):
    items: list[Resource]
    next_cursor: str | None


class UnitPage(Record):
    items: list[UnitView]
    next_cursor: str | None


class CreditLedgerEntry(Record):
    id: int
    unit_id: int
    project_id: int | None
    kind: str
    value: int | None
    created_at: dt.datetime


class CreditLedger(Record):
    score: CreditScore
    items: list[CreditLedgerEntry]
    next_cursor: str | None


class AssignmentFilter(ListQuery):
    status: AssignmentStatus | None = None


class UnitAssignment(Assignment):
    """One of a unit's claims or offers, with the project it is about."""

    project_number: str
    project_title: str
    project_status: ProjectStatus


class UnitAssignmentPage(Record):
    items: list[UnitAssignment]
    next_cursor: str | None


class PublicProgress(Record):
    body: str
    photo_url: str | None
    created_at: dt.datetime


class PublicProject(Record):
    """A project on the public board (公示): what was done where, by which unit; no one's name."""

    number: str
    title: str
    category_code: str
    category_name: str
    community_code: str
    community_name: str
    status: ProjectStatus
    status_label: str
    urgency: Urgency
    published_at: dt.datetime | None
    completed_at: dt.datetime | None
    beneficiaries_served: int | None
    unit_name: str | None
    progress: list[PublicProgress] = Field(default_factory=list)


class ClosingPage(Record):
    """What the resident sees behind a usable link: the project as the public board shows it."""

    project: PublicProject
    expires_at: dt.datetime


class PublicProjectPage(Record):
    items: list[PublicProject]
    next_cursor: str | None


class LeagueRow(Record):
    rank: int
    unit_id: int
    unit_name: str
    unit_type: UnitType
    score: float
    grade: Grade
    finished: int


class LeagueQuery(Input):
    """A page of the league table: ``cursor`` is the rank the previous page ended at."""

    cursor: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,7}$")] | None = None
    limit: Annotated[int, Field(ge=1, le=1_000_000)] = 50

    @property
    def page_size(self) -> int:
        return min(self.limit, PAGE_MAX)

    @property
    def after(self) -> int:
        return int(self.cursor) if self.cursor is not None else 0


class LeagueTable(Record):
    """Units by rank; a page of it carries ``total`` and the cursor of the next page."""

    items: list[LeagueRow]
    total: int = 0
    next_cursor: str | None = None

    @classmethod
    def page(cls, table: LeagueTable | dict, q: LeagueQuery) -> LeagueTable:
        """One page of a whole table (the table itself or its cached JSON form)."""
        rows = table.items if isinstance(table, LeagueTable) else table["items"]
        end = q.after + q.page_size
        return cls(items=rows[q.after:end], total=len(rows), next_cursor=str(end) if end < len(rows) else None)


class ProjectCancelIn(_ReasonWithNote):
    """撤单: a reason from :class:`CancelReason`; ``other`` needs a note saying what it is."""

    reason: CancelReason


class NoteIn(Input):
    note: ShortText | None = None


class ClaimIn(Input):
    resource_id: Id | None = None


class DirectIn(Input):
    unit_id: Id
    resource_id: Id | None = None


class ReassignIn(DirectIn):
    """改派: the unit (and resource) the project goes to instead, and why."""

    note: ShortText | None = None


class SweepResult(Record):
    expired: int
    closed_unrated: int


class PublicNeedIn(Input):
    """What a resident fills in on the public form (点单); the channel is always 线上."""

    title: Name
    description: LongText = ""
    category_code: CategoryCode
    community_code: Code
    grid_code: Code | None = None
    beneficiary_count: Annotated[int, Field(ge=1, le=1000)] = 1
    beneficiary_groups: list[Tag] = Field(default_factory=list, max_length=10)
    urgency: Urgency = Urgency.NORMAL
    desired_from: Day | None = None
    desired_to: Day | None = None
    requester_name: text(50)  # type: ignore[valid-type]
    requester_phone: MobilePhone


class NeedReceipt(Record):
    """What the resident gets back: the number to quote, nothing personal."""

    number: str
    status: NeedStatus
    status_label: str


# --- editing a project -----------------------------------------------------------------------


class ProjectPatchIn(Input):
    """A partial edit of a project: only the fields sent change, each under :class:`ProjectIn`'s rules.

    A field left out keeps its value; ``null`` clears a field that may be empty (place
    coordinates, time window, claim deadline) and is refused for the others. The needs and the
    community are not edited here: a project's residents stay the ones it was made for.
    """

    model_config = ConfigDict(json_schema_extra=rules(
        {"if": {"required": ["lat", "lon"]}, "then": all_or_none("lat", "lon")}))

    title: Name = None  # type: ignore[assignment]
    description: LongText = None  # type: ignore[assignment]
    category_code: CategoryCode = None  # type: ignore[assignment]
    required_skills: list[Tag] = Field(default=None, max_length=20)  # type: ignore[assignment]
    place: Place = None  # type: ignore[assignment]
    lat: Lat | None = None
    lon: Lon | None = None
    window_start: Moment | None = None
    window_end: Moment | None = None
    units_required: UnitsRequired = None  # type: ignore[assignment]
    estimated_hours: EstimatedHours = None  # type: ignore[assignment]
    priority: Priority = None  # type: ignore[assignment]
    urgency: Urgency = None  # type: ignore[assignment]
    dispatch_mode: DispatchMode = None  # type: ignore[assignment]
    claim_deadline: Moment | None = None

    # A default of None is never validated, so a field left out reads None; a field sent as null
    # is validated against its type, which refuses it unless the type allows None.

    @model_validator(mode="after")
    def _times_have_a_zone(self) -> ProjectPatchIn:
        for name in _PROJECT_TIMES:
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} 须带时区")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, with their new values."""
        return {name: getattr(self, name) for name in self.model_fields_set}
