"""Login, logout, who am I, and an administrator's revocation."""

from __future__ import annotations

from catalog import scoped
from catalog.models import Account, LoginIn, Principal, Session

from ..routing import Call, endpoint


@endpoint("POST", "/auth/login", summary="登录（用户名+密码），返回访问令牌", tag="auth", public=True,
          body=LoginIn, response=Session, errors=(401, 429))
async def login(c: Call) -> Session:
    return await scoped.login(c.db, c.body, c.address)


@endpoint("POST", "/auth/logout", summary="退出登录，令牌立即失效", tag="auth", status=204)
async def logout(c: Call) -> None:
    await scoped.logout(c.db, c.token or "")


@endpoint("GET", "/auth/me", summary="当前账号与管辖范围", tag="auth", response=Principal)
async def me(c: Call) -> Principal:
    return c.me


@endpoint("POST", "/accounts/{username}/revoke", summary="吊销账号的全部令牌（联盟管理员）", tag="auth",
          response=Account)
async def revoke(c: Call) -> Account:
    return await scoped.revoke_account(c.db, c.me, c.text("username"))
