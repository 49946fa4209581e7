"""Status values and other closed vocabularies: English members, Chinese labels for people.

Each lifecycle is an enum plus a transition table; the table is the single source the guarded
UPDATEs draw their ``status = ANY($n)`` lists from, and the tests walk it edge by edge.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class _Labels:
    """Where a :class:`Labelled` enum keeps its labels (set by ``_labelled``): outside the enum's
    own body, where mypy would take the attribute for a member and its dict for every value."""

    __labels__: ClassVar[dict[str, str]] = {}


class Labelled(_Labels, StrEnum):
    """A string enum whose members carry the Chinese word users see."""

    @property
    def label(self) -> str:
        return type(self).__labels__[self.value]

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {m.value: m.label for m in cls}


def _labelled(labels: dict[str, str]):
    def wrap(cls: type[Labelled]) -> type[Labelled]:
        missing = {m.value for m in cls} ^ set(labels)
        if missing:
            raise TypeError(f"{cls.__name__}: labels do not match members: {sorted(missing)}")
        cls.__labels__ = labels
        return cls

    return wrap


@_labelled({"district": "区县", "street": "街道", "community": "社区", "grid": "网格"})
class AreaLevel(Labelled):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


@_labelled(
    {
        "department": "职能部门",
        "stationed": "驻区单位",
        "new_org": "两新组织",
        "mass_org": "群团组织",
        "talent_studio": "人才工作室",
        "association": "专业协会",
        "volunteer_team": "志愿服务队",
        "enterprise": "爱心企业",
    }
)
class UnitType(Labelled):
    DEPARTMENT = "department"
    STATIONED = "stationed"
    NEW_ORG = "new_org"
    MASS_ORG = "mass_org"
    TALENT_STUDIO = "talent_studio"
    ASSOCIATION = "association"
    VOLUNTEER_TEAM = "volunteer_team"
    ENTERPRISE = "enterprise"


@_labelled({"active": "正常", "suspended": "已暂停"})
class UnitStatus(Labelled):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@_labelled({"home": "上门", "venue": "到点", "online": "线上"})
class ServiceMode(Labelled):
    HOME = "home"
    VENUE = "venue"
    ONLINE = "online"


@_labelled({"free": "免费", "low_cost": "低偿"})
class FeeType(Labelled):
    FREE = "free"
    LOW_COST = "low_cost"


@_labelled({"urgent": "紧急", "normal": "一般", "long_term": "长期"})
class Urgency(Labelled):
    URGENT = "urgent"
    NORMAL = "normal"
    LONG_TERM = "long_term"


@_labelled(
    {
        "grid_worker": "网格员",
        "joint_talk": "联手说事",
        "service_station": "党群服务站",
        "dual_report": "双报到",
        "suggestion_box": "意见箱",
        "online": "线上",
        "hotline_12345": "12345",
    }
)
class SourceChannel(Labelled):
    GRID_WORKER = "grid_worker"
    JOINT_TALK = "joint_talk"
    SERVICE_STATION = "service_station"
    DUAL_REPORT = "dual_report"
    SUGGESTION_BOX = "suggestion_box"
    ONLINE = "online"
    HOTLINE_12345 = "hotline_12345"


@_labelled({"claim": "认领", "directed": "定向", "optimise": "优化派单"})
class DispatchMode(Labelled):
    CLAIM = "claim"
    DIRECTED = "directed"
    OPTIMISE = "optimise"


# --- lifecycles ------------------------------------------------------------------------------


@_labelled(
    {
        "pending": "待审核",
        "accepted": "已入库",
        "rejected": "已驳回",
        "merged": "已合并入项目",
        "withdrawn": "已撤回",
    }
)
class NeedStatus(Labelled):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"


@_labelled({"pending": "待审核", "published": "已发布", "delisted": "已下架"})
class ResourceStatus(Labelled):
    PENDING = "pending"
    PUBLISHED = "published"
    DELISTED = "delisted"


@_labelled(
    {
        "draft": "草拟",
        "published": "已发布",
        "claiming": "认领中",
        "dispatched": "已派单",
        "accepted": "已接单",
        "in_progress": "执行中",
        "awaiting_close": "待结单",
        "closed": "已结单",
        "rated": "已评价",
        "cancelled": "已撤单",
    }
)
class ProjectStatus(Labelled):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLAIMING = "claiming"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    AWAITING_CLOSE = "awaiting_close"
    CLOSED = "closed"
    RATED = "rated"
    CANCELLED = "cancelled"


@_labelled({"claim": "认领", "directed": "定向派单", "proposal": "优化派单"})
class AssignmentKind(Labelled):
    CLAIM = "claim"
    DIRECTED = "directed"
    PROPOSAL = "proposal"


@_labelled({"lead": "主办", "helper": "协办"})
class AssignmentRole(Labelled):
    """A unit's part in a project: the lead (主办) answers for it, helpers (协办) work beside it."""

    LEAD = "lead"
    HELPER = "helper"


@_labelled(
    {
        "pending": "待处理",
        "active": "承接中",
        "completed": "已完成",
        "declined": "已拒绝",
        "released": "已释放",
        "expired": "已过期",
        "withdrawn": "已撤回",
        "returned": "已退单",
        "cancelled": "已撤单",
    }
)
class AssignmentStatus(Labelled):
    """Where a claim or an offer stands. A pending one waits on someone, and on whom depends on its
    kind: a claim (认领) on the community's confirmation, an offer (定向派单 or 优化派单, to lead or
    to help) on the unit's answer. :meth:`label_for` says which; the bare label (待处理) is for
    where both are meant at once, such as a filter or a count."""

    PENDING = "pending"
    ACTIVE = "active"
    COMPLETED = "completed"
    DECLINED = "declined"
    RELEASED = "released"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    RETURNED = "returned"
    CANCELLED = "cancelled"

    def label_for(self, kind: AssignmentKind | str, *, mine: bool = False) -> str:
        """The word for this status of an assignment of ``kind``; ``mine``: as the unit the
        assignment is for reads it (待我方答复 rather than 待单位答复)."""
        if self is not AssignmentStatus.PENDING:
            return self.label
        if AssignmentKind(kind) is AssignmentKind.CLAIM:
            return PENDING_LABELS["claim"]
        return PENDING_LABELS["offer_mine" if mine else "offer"]


# A pending assignment by whose move it is (see AssignmentStatus.label_for).
PENDING_LABELS = {"claim": "待社区确认", "offer": "待单位答复", "offer_mine": "待我方答复"}


@_labelled(
    {
        "capacity_full": "能力已满",
        "schedule_conflict": "时间冲突",
        "out_of_area": "超出服务范围",
        "skill_mismatch": "专业不对口",
        "resource_unavailable": "资源暂不可用",
        "other": "其他原因",
    }
)
class DeclineReason(Labelled):
    CAPACITY_FULL = "capacity_full"
    SCHEDULE_CONFLICT = "schedule_conflict"
    OUT_OF_AREA = "out_of_area"
    SKILL_MISMATCH = "skill_mismatch"
    RESOURCE_UNAVAILABLE = "resource_unavailable"
    OTHER = "other"


@_labelled(
    {
        "duplicate": "重复提交",
        "out_of_scope": "不属于服务范围",
        "insufficient_detail": "信息不完整",
        "handled_elsewhere": "已由其他渠道办理",
        "other": "其他原因",
    }
)
class RejectReason(Labelled):
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"
    INSUFFICIENT_DETAIL = "insufficient_detail"
    HANDLED_ELSEWHERE = "handled_elsewhere"
    OTHER = "other"


@_labelled(
    {
        "no_longer_needed": "居民已不再需要",
        "need_resolved": "居民已自行解决",
        "resident_moved": "居民已搬离本社区",
        "duplicate": "与其他项目重复",
        "merged_elsewhere": "已与其他活动合并办理",
        "out_of_scope": "不属于服务范围",
        "handled_elsewhere": "已由其他渠道办理",
        "no_unit": "无成员单位能够承接",
        "plan_changed": "社区计划调整",
        "other": "其他原因",
    }
)
class CancelReason(Labelled):
    """Why a secretary cancels a project (撤单); stored as the project's ``status_reason``.

    The list holds every code the service has sent so far (the secretary's page and the demo
    county), so projects cancelled before the list existed still read in words.
    """

    NO_LONGER_NEEDED = "no_longer_needed"
    NEED_RESOLVED = "need_resolved"
    RESIDENT_MOVED = "resident_moved"
    DUPLICATE = "duplicate"
    MERGED_ELSEWHERE = "merged_elsewhere"
    OUT_OF_SCOPE = "out_of_scope"
    HANDLED_ELSEWHERE = "handled_elsewhere"
    NO_UNIT = "no_unit"
    PLAN_CHANGED = "plan_changed"
    OTHER = "other"


@_labelled({"solved": "解决", "partly_solved": "部分解决", "unsolved": "未解决", "no_longer_needed": "不再需要"})
class Outcome(Labelled):
    SOLVED = "solved"
    PARTLY_SOLVED = "partly_solved"
    UNSOLVED = "unsolved"
    NO_LONGER_NEEDED = "no_longer_needed"


@_labelled(
    {
        "answered_in_time": "按时响应",
        "answered_late": "超时响应",
        "offer_expired": "派单超时未响应",
        "declined_with_reason": "说明理由拒单",
        "finished": "完成项目",
        "finished_on_time": "按期办结",
        "finished_late": "超期办结",
        "returned": "退单",
        "rating": "居民评价",
        "overdue": "超时督办",
    }
)
class CreditKind(Labelled):
    ANSWERED_IN_TIME = "answered_in_time"
    ANSWERED_LATE = "answered_late"
    OFFER_EXPIRED = "offer_expired"
    DECLINED_WITH_REASON = "declined_with_reason"
    FINISHED = "finished"
    FINISHED_ON_TIME = "finished_on_time"
    FINISHED_LATE = "finished_late"
    RETURNED = "returned"
    RATING = "rating"
    OVERDUE = "overdue"


@_labelled({"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "较差"})
class Grade(Labelled):
    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


@_labelled(
    {
        "resident": "居民",
        "grid_worker": "网格员",
        "secretary": "社区书记",
        "street_admin": "街道/联盟管理员",
        "unit": "联盟成员单位",
        "batch": "批量派单任务",
        "system": "系统",
    }
)
class Role(Labelled):
    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    SECRETARY = "secretary"
    STREET_ADMIN = "street_admin"
    UNIT = "unit"
    BATCH = "batch"
    SYSTEM = "system"


# Transition tables: for each target status, the statuses it may be reached from.

NEED_TRANSITIONS: dict[str, frozenset[NeedStatus]] = {
    "accept": frozenset({NeedStatus.PENDING}),
    "reject": frozenset({NeedStatus.PENDING}),
    "withdraw": frozenset({NeedStatus.PENDING, NeedStatus.ACCEPTED}),
    "merge": frozenset({NeedStatus.ACCEPTED}),
}

RESOURCE_TRANSITIONS: dict[str, frozenset[ResourceStatus]] = {
    "publish": frozenset({ResourceStatus.PENDING, ResourceStatus.DELISTED}),
    "delist": frozenset({ResourceStatus.PUBLISHED}),
}

P = ProjectStatus
PROJECT_TRANSITIONS: dict[str, frozenset[ProjectStatus]] = {
    "publish": frozenset({P.DRAFT}),
    "claim": frozenset({P.PUBLISHED}),
    "offer": frozenset({P.PUBLISHED}),
    "confirm_claim": frozenset({P.CLAIMING}),
    "accept_offer": frozenset({P.DISPATCHED}),
    # a pending claim or offer goes away (released, rejected, declined, withdrawn, expired)
    "reopen": frozenset({P.CLAIMING, P.DISPATCHED}),
    "start": frozenset({P.ACCEPTED}),
    "give_back": frozenset({P.ACCEPTED, P.IN_PROGRESS}),
    "complete": frozenset({P.IN_PROGRESS}),
    "close": frozenset({P.AWAITING_CLOSE}),
    "rate": frozenset({P.CLOSED}),
    "cancel": frozenset({P.DRAFT, P.PUBLISHED, P.CLAIMING, P.DISPATCHED, P.ACCEPTED, P.IN_PROGRESS}),
}
del P


# --- time limits and supervision (督办) -------------------------------------------------------


@_labelled({"review": "需求审核", "ack": "签收", "done": "办结", "close": "结单回访"})
class LimitStep(Labelled):
    """The clocks a time limit runs on, in the order a need and its project pass them."""

    REVIEW = "review"
    ACK = "ack"
    DONE = "done"
    CLOSE = "close"


@_labelled({"step_done": "环节已完成", "restarted": "已重新计时", "withdrawn": "已撤单或撤回",
            "admin": "管理员已办结督办"})
class SupervisionResolution(Labelled):
    STEP_DONE = "step_done"
    RESTARTED = "restarted"
    WITHDRAWN = "withdrawn"
    ADMIN = "admin"
