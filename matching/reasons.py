"""Named rules and reason codes.

Every hard rule and every unmatched outcome has a stable English code (what code and logs use)
and a Chinese label (what a community secretary reads). The numeric values are stored in the
array form of a plan, so they never change meaning; new codes are appended.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Unmatched(IntEnum):
    """Why a project got no unit: the first filter that emptied its candidate set, or the use
    its candidates were put to instead."""

    MATCHED = 0
    NO_CATEGORY = 1
    NO_SERVICE_AREA = 2
    NO_SKILLS = 3
    NO_TIME_WINDOW = 4
    NO_CAPACITY = 5
    DECLINED_BY_ALL = 6
    TOO_FEW_UNITS = 7
    LOST_TO_BETTER_USE = 8
    NOT_WORTH_LOAD = 9
    INCOMPLETE_TEAM = 10

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return _UNMATCHED_LABELS[self]


_UNMATCHED_LABELS = {
    Unmatched.MATCHED: "已匹配",
    Unmatched.NO_CATEGORY: "无成员单位提供该类别服务",
    Unmatched.NO_SERVICE_AREA: "项目地点不在任何相关资源的服务范围内",
    Unmatched.NO_SKILLS: "相关资源均不具备所需技能",
    Unmatched.NO_TIME_WINDOW: "相关资源的服务时间与项目时间不重叠",
    Unmatched.NO_CAPACITY: "相关资源本期已无承接能力",
    Unmatched.DECLINED_BY_ALL: "所有可承接单位均已拒绝",
    Unmatched.TOO_FEW_UNITS: "可承接单位数少于项目所需单位数",
    Unmatched.LOST_TO_BETTER_USE: "可承接资源已派给更优先的项目",
    Unmatched.NOT_WORTH_LOAD: "可承接单位负荷已高，均衡派单后暂不派出",
    Unmatched.INCOMPLETE_TEAM: "未能凑齐所需数量的单位",
}


class Rule(StrEnum):
    """Hard rules the validator checks; a violation names one of these."""

    UNKNOWN_ID = "unknown_id"
    CATEGORY = "category"
    SERVICE_AREA = "service_area"
    SKILLS = "skills"
    TIME_WINDOW = "time_window"
    CAPACITY = "capacity"
    HOURS_BUDGET = "hours_budget"
    DECLINED = "declined"
    ONE_OWNER = "one_owner"
    UNITS_REQUIRED = "units_required"
    DISTINCT_UNITS = "distinct_units"
    FIXED_KEPT = "fixed_kept"
    DUPLICATE_PAIR = "duplicate_pair"

    @property
    def label(self) -> str:
        return _RULE_LABELS[self]


_RULE_LABELS = {
    Rule.UNKNOWN_ID: "编号不存在",
    Rule.CATEGORY: "服务类别不符",
    Rule.SERVICE_AREA: "超出服务范围",
    Rule.SKILLS: "技能不符",
    Rule.TIME_WINDOW: "服务时间不重叠",
    Rule.CAPACITY: "超出承接数量",
    Rule.HOURS_BUDGET: "超出服务时长预算",
    Rule.DECLINED: "单位已拒绝该项目",
    Rule.ONE_OWNER: "一个项目只能由一个单位承接",
    Rule.UNITS_REQUIRED: "承接单位数须等于所需数量或为零",
    Rule.DISTINCT_UNITS: "同一项目的承接单位须互不相同",
    Rule.FIXED_KEPT: "已认领的派单必须保留",
    Rule.DUPLICATE_PAIR: "重复派单",
}


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"

    @property
    def label(self) -> str:
        return {"optimal": "已证明最优", "feasible": "可行（附最优性差距）"}[self.value]


TERMS = ("match", "skill", "distance", "credit", "urgency", "waiting", "stability", "load")
"""Soft terms in the order they appear in score breakdowns; `load` is the only penalty."""

TERM_LABELS = {
    "match": "基础分",
    "skill": "技能契合",
    "distance": "距离",
    "credit": "单位信用",
    "urgency": "紧急程度",
    "waiting": "等待时间",
    "stability": "延续上次派单",
    "load": "负荷均衡",
}
