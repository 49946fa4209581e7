"""People: accounts, login and the bearer token a login returns (catalog.people). The caller
itself, ``Principal``, is in ``common``: every room reads it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, model_validator

from catalog.enums import Role
from catalog.models.common import Code, Id, Input, Principal, Record, _AccountScope
from catalog.shapes import Text

Username = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                            pattern=r"^[a-z0-9][a-z0-9_.-]{2,63}$")]
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


class Account(_AccountScope):
    id: int
    active: bool
    created_at: dt.datetime


class LoginIn(Input):
    username: Annotated[str, Text(64), AfterValidator(str.lower)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Session(Record):
    """A new bearer token. The token is shown once; the database keeps only its hash."""

    token: str
    token_type: str = "Bearer"
    expires_at: dt.datetime
    principal: Principal
