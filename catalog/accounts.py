"""Accounts, password login and bearer tokens.

Passwords are hashed with argon2id, always in a worker thread: a hash costs tens of
milliseconds of CPU and must not stall the event loop. A token is ``sdn_`` plus 32 random
bytes (url-safe base64); only its sha256 is stored, and every request resolves it afresh, so
logout and an administrator's revocation take effect on the next request.

Failed logins are counted per account and per client address over a window; past the limit
the login is refused with :class:`RateLimited` before the password is even checked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import DomainError, NotFound
from .models import Account, AccountIn, LoginIn, Principal, Session
from .sql import q
from .tx import Db, connection, transaction

TOKEN_PREFIX = "sdn_"
TOKEN_TTL_SECONDS = 12 * 3600
LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_ADDRESS = 20

HASHER = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(8))


class Unauthenticated(DomainError):
    """No valid credentials: wrong password, unknown, expired or revoked token."""

    code = "unauthenticated"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    def check() -> bool:
        try:
            return HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


async def create_account(db: Db, data: AccountIn, *, password_hash: str | None = None) -> Account:
    """Store an account; ``password_hash`` lets a bulk loader hash a shared password once."""
    hashed = password_hash or await hash_password(data.password)
    async with transaction(db) as conn:
        row = await conn.fetchrow(
            q("account_insert"), data.username, data.display_name, hashed, data.role.value,
            data.community_code, data.grid_code, data.street_code, data.unit_id,
        )
    return Account.model_validate(dict(row))


async def take_rate_slot(db: Db, bucket: str, key: str, *, limit: int, window_seconds: float,
                         message: str) -> dt.datetime:
    """Record one attempt for ``key``, or refuse it with :class:`RateLimited` when the window
    already holds ``limit``; returns the attempt's time, to take it back with :func:`drop_rate_slot`.

    Count and insert run under a per-key lock in one transaction: checking first and recording
    after the work let a burst of parallel requests all pass before any was counted.
    """
    async with transaction(db) as conn:
        await conn.execute(q("rate_lock"), bucket, key)
        n = await conn.fetchval(q("rate_event_count"), bucket, key, window_seconds)
        if n >= limit:
            raise RateLimited(message, retry_after=int(window_seconds), details={"limit": limit})
        return await conn.fetchval(q("rate_event_add"), bucket, key)


async def drop_rate_slot(db: Db, bucket: str, key: str, at: dt.datetime) -> None:
    async with connection(db) as conn:
        await conn.execute(q("rate_event_drop"), bucket, key, at)


async def login(db: Db, data: LoginIn, address: str) -> Session:
    """Password login; a new token on success, :class:`Unauthenticated` otherwise.

    Every attempt is counted before the password is checked; a successful one is taken back
    (and clears the account's failures), so only failures use up the limits.
    """
    too_many = "登录失败次数过多，请稍后再试"
    await take_rate_slot(db, "login_account", data.username, limit=LOGIN_FAILURES_PER_ACCOUNT,
                         window_seconds=LOGIN_WINDOW_SECONDS, message=too_many)
    address_slot = await take_rate_slot(db, "login_address", address, limit=LOGIN_FAILURES_PER_ADDRESS,
                                        window_seconds=LOGIN_WINDOW_SECONDS, message=too_many)
    async with connection(db) as conn:
        row = await conn.fetchrow(q("account_by_username"), data.username)
    ok = await _verify(row["password_hash"] if row else _DUMMY_HASH, data.password)
    if not ok or row is None or not row["active"]:
        raise Unauthenticated("用户名或密码错误", code="bad_credentials")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with transaction(db) as conn:
        await conn.execute(q("rate_events_clear"), "login_account", data.username)
        await drop_rate_slot(conn, "login_address", address, address_slot)
        expires_at = await conn.fetchval(q("token_insert"), token_hash(token), row["id"], TOKEN_TTL_SECONDS)
    return Session(token=token, expires_at=expires_at, principal=await resolve(db, token))


async def resolve(db: Db, token: str) -> Principal:
    """The principal behind a bearer token, or :class:`Unauthenticated`."""
    # ASCII only: a token is url-safe base64, and anything else cannot be hashed as sent
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100 or not token.isascii():
        raise Unauthenticated("登录凭证无效", code="token_invalid")
    async with connection(db) as conn:
        row = await conn.fetchrow(q("token_resolve"), token_hash(token))
    if row is None:
        raise Unauthenticated("登录凭证无效或已过期，请重新登录", code="token_invalid")
    communities = row["communities"]
    return Principal(
        account_id=row["id"], username=row["username"], display_name=row["display_name"],
        role=row["role"], community_code=row["community_code"], grid_code=row["grid_code"],
        street_code=row["street_code"], unit_id=row["unit_id"],
        communities=None if communities is None else tuple(communities),
    )


async def logout(db: Db, token: str) -> None:
    async with connection(db) as conn:
        await conn.execute(q("token_revoke"), token_hash(token))


async def revoke_tokens(db: Db, username: str) -> int:
    """Revoke every live token of an account (an administrator's action); returns how many."""
    async with transaction(db) as conn:
        if await conn.fetchrow(q("account_by_username"), username) is None:
            raise NotFound("账号不存在", code="account_not_found", details={"username": username})
        status = await conn.execute(q("tokens_revoke_account"), username)
    return int(status.split()[-1])


async def set_active(db: Db, username: str, active: bool) -> Account:
    async with transaction(db) as conn:
        row = await conn.fetchrow(q("account_set_active"), username, active)
        if row is None:
            raise NotFound("账号不存在", code="account_not_found", details={"username": username})
        if not active:
            await conn.execute(q("tokens_revoke_account"), username)
    return Account.model_validate(dict(row))
