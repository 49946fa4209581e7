"""Sessions and accounts: who a token belongs to, login and logout (no principal yet, or only
their own token), and the alliance administrator's revocation of an account."""

from __future__ import annotations

from catalog.errors import Conflict
from catalog.models import Account, LoginIn, Principal, Session
from catalog.people import access, accounts
from catalog.storage.tx import Db

from .common import forbidden


async def login(db: Db, data: LoginIn, address: str) -> Session:
    """Password login, rate limited per account and address (:class:`~catalog.people.accounts.RateLimited`)."""
    return await accounts.login(db, data, address)


async def logout(db: Db, token: str) -> None:
    """End the session of this token (and nothing else)."""
    await accounts.logout(db, token)


async def principal_for_token(db: Db, token: str) -> Principal:
    """Who a bearer token or session cookie belongs to, or :class:`~catalog.people.accounts.Unauthenticated`."""
    return await accounts.resolve(db, token)


async def revoke_account(db: Db, p: Principal, username: str) -> Account:
    """Revoke every token of an account and deactivate it, at once (联盟管理员)."""
    if not access.can_manage_accounts(p):
        raise forbidden("只有联盟管理员可以吊销账号")
    if username == p.username:
        # it would lock the county out of the API until someone with a shell recreated it
        raise Conflict("不能吊销自己的账号", code="revoke_self")
    return await accounts.set_active(db, username, False)
