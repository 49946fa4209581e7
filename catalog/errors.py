"""Domain errors with machine-readable reason codes.

Every failed command raises one of these and leaves the database as it was (the command's
transaction rolls back). Driver errors are translated here, at the database edge, by the name of
the constraint that fired, so callers never see an asyncpg exception.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import asyncpg


class DomainError(Exception):
    """Base class. ``code`` is stable for machines; ``message`` is for people (Chinese)."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    """Input that passes type checks but breaks a rule (unknown category, grid not in community)."""

    code = "invalid_input"


class Conflict(DomainError):
    """The step is not allowed now: illegal transition, lost race, cap reached, token used."""

    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthenticated(DomainError):
    """No valid credentials: wrong password, unknown, expired or revoked token."""

    code = "unauthenticated"


class RateLimited(DomainError):
    """Too many attempts in a window; ``retry_after``: the seconds to wait before the next one."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


# constraint name → (error class, reason code, message)
_CONSTRAINTS: dict[str, tuple[type[DomainError], str, str]] = {
    "uq__assignments__one_live_lead": (Conflict, "already_taken", "该项目已有单位认领或承接"),
    "uq__assignments__one_live_per_unit": (Conflict, "already_taken", "该单位已在承接此项目"),
    "ck__assignments__helper_slots": (Conflict, "helper_slots_full", "协办单位已满"),
    "ck__assignments__helper_kind": (InvalidInput, "invalid_value", "协办单位须由派单产生，不能认领"),
    "uq__units__name": (Conflict, "duplicate_unit", "同名成员单位已存在"),
    "uq__categories__name": (Conflict, "duplicate_category", "同名分类已存在"),
    "categories_pkey": (Conflict, "duplicate_category", "分类编码已存在"),
    "areas_pkey": (Conflict, "duplicate_area", "区域编码已存在"),
    "ratings_pkey": (Conflict, "already_rated", "评价已提交，不能修改"),
    "fk__resources__category": (InvalidInput, "unknown_category", "分类不存在或不是二级分类"),
    "fk__projects__category": (InvalidInput, "unknown_category", "分类不存在或不是二级分类"),
    "fk__needs__category": (InvalidInput, "unknown_category", "分类不存在或不是二级分类"),
    "fk__needs__community": (InvalidInput, "unknown_community", "社区不存在"),
    "fk__projects__community": (InvalidInput, "unknown_community", "社区不存在"),
    "fk__needs__grid": (InvalidInput, "grid_not_in_community", "网格不存在或不属于该社区"),
    "fk__units__home_area": (InvalidInput, "unknown_area", "所属区域不存在"),
    "fk__areas__parent": (InvalidInput, "unknown_area", "上级区域不存在"),
    "ck__areas__parent_level": (InvalidInput, "bad_parent_area", "上级区域层级不正确"),
    "fk__resources__unit": (InvalidInput, "unknown_unit", "成员单位不存在"),
    "fk__categories__parent": (InvalidInput, "unknown_category", "上级分类不存在"),
}


def from_driver(exc: asyncpg.PostgresError) -> DomainError | None:
    """The domain error for a constraint violation, or None if it is not one we know."""
    name = getattr(exc, "constraint_name", None) or ""
    if name in _CONSTRAINTS:
        cls, code, message = _CONSTRAINTS[name]
        return cls(message, code=code, details={"constraint": name})
    if name.endswith("__append_only"):
        return Conflict("记录只能追加，不能修改或删除", code="append_only", details={"constraint": name})
    if isinstance(exc, asyncpg.CheckViolationError | asyncpg.NotNullViolationError):
        return InvalidInput("输入不符合规则", code="invalid_value", details={"constraint": name})
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return InvalidInput("引用的记录不存在", code="unknown_reference", details={"constraint": name})
    if isinstance(exc, asyncpg.UniqueViolationError):
        return Conflict("记录已存在", code="duplicate", details={"constraint": name})
    if isinstance(exc, asyncpg.DataError):  # a value PostgreSQL cannot hold: NUL in text, int32 overflow
        return InvalidInput("输入不符合规则", code="invalid_value")
    return None


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Turn known constraint violations inside the block into domain errors."""
    try:
        yield
    except (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError) as exc:
        err = from_driver(exc)
        if err is None:
            raise
        raise err from exc
    except asyncpg.RaiseError as exc:  # our own triggers' RAISE EXCEPTION with a constraint name
        err = from_driver(exc)
        if err is None:
            raise
        raise err from exc
