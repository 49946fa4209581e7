"""Accounts, password login and bearer tokens.

Passwords are hashed with argon2id, always in a worker thread: a hash costs tens of
milliseconds of CPU and must not stall the event loop. A token is ``sdn_`` plus 32 random
bytes (url-safe base64); only its sha256 is stored, and every request resolves it afresh, so
logout and an administrator's revocation take effect on the next request.

Failed logins slow guessing down without locking anyone out. User names are predictable
(``sec-<community>``, ``unit-N``), so a limit on an account alone would let anyone lock every
secretary out from anywhere. Failures are counted per account *and address* and per address
(:data:`PER_PAIR`, :data:`PER_ADDRESS`); past a few free ones, each further failure makes that
address wait before its next try, twice as long each time (:func:`login_wait`). The owner at
another address is never held up by someone else's guesses. The counts live in PostgreSQL
(``rate_events``), so every worker process sees the same ones.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from catalog.errors import NotFound, RateLimited, Unauthenticated
from catalog.models import Account, AccountIn, LoginIn, Principal, Session
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection, transaction

TOKEN_PREFIX = "sdn_"
TOKEN_TTL_SECONDS = 12 * 3600


@dataclass(frozen=True)
class LoginLimit:
    """Failed logins under one key: ``free`` of them within ``memory_seconds`` cost nothing, each
    further one makes the key wait (:func:`login_wait`); older failures are forgotten."""

    bucket: str
    free: int
    memory_seconds: int


# One account from one address: a person who mistypes five times waits half a minute; a guesser
# gets a handful of tries an hour. Forgotten after a day, or at once by a successful login.
PER_PAIR = LoginLimit("login_pair", free=5, memory_seconds=24 * 3600)
# One address, whatever accounts it tries: guessing across many accounts (their names are
# predictable) is slowed down as well. Shorter memory: an office behind one address shares it.
PER_ADDRESS = LoginLimit("login_address", free=20, memory_seconds=3600)
LOGIN_FIRST_WAIT_SECONDS = 30
LOGIN_MAX_WAIT_SECONDS = 15 * 60


def login_wait(failures: int, free: int) -> int:
    """Seconds to wait after the last of ``failures`` recent failures: none while they are fewer
    than ``free``, then 30 s, doubling with each further failure up to 15 minutes."""
    if failures < free:
        return 0
    return min(LOGIN_FIRST_WAIT_SECONDS * 2 ** min(failures - free, 30), LOGIN_MAX_WAIT_SECONDS)


def wait_text(seconds: int) -> str:
    """``45 秒``, ``2 分钟`` (rounded up): how long, as the login form and the API say it."""
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"

HASHER = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(8))


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
    """Password login; a new token on success, :class:`Unauthenticated` otherwise, and
    :class:`RateLimited` (with the seconds to wait) while this account at this address, or this
    address, must wait after its failures.

    Every attempt is counted as a failure before the password is checked, under a lock per key,
    so a burst of parallel guesses gets no more than the free tries; a successful one is taken
    back and clears the account's failures at this address.
    """
    keys = ((PER_PAIR, f"{data.username}\n{address}"), (PER_ADDRESS, address))
    failures: list[int] = []  # recent failures under each key, before this attempt
    async with transaction(db) as conn:
        wait = 0
        for limit, key in keys:  # always in this order: two logins never wait on each other's lock
            await conn.execute(q("rate_lock"), limit.bucket, key)
            recent = await conn.fetchrow(q("login_failures_recent"), limit.bucket, key, limit.memory_seconds)
            failures.append(recent["failures"])
            if recent["failures"]:
                left = login_wait(recent["failures"], limit.free) - recent["seconds_since_last"]
                wait = max(wait, math.ceil(left))
        if wait > 0:
            raise RateLimited(f"登录失败次数过多，请 {wait_text(wait)}后再试", retry_after=wait,
                              details={"retry_after": wait})
        counted_at = [await conn.fetchval(q("rate_event_add"), limit.bucket, key) for limit, key in keys]
    async with connection(db) as conn:
        row = await conn.fetchrow(q("account_by_username"), data.username)
    ok = await _verify(row["password_hash"] if row else _DUMMY_HASH, data.password)
    if not ok or row is None or not row["active"]:
        # this failure may be the one that starts a wait: say so now, not on the next try
        wait = max(login_wait(n + 1, limit.free) for (limit, _), n in zip(keys, failures, strict=True))
        if wait:
            raise Unauthenticated(f"用户名或密码错误；失败次数过多，请 {wait_text(wait)}后再试",
                                  code="bad_credentials", details={"retry_after": wait})
        raise Unauthenticated("用户名或密码错误", code="bad_credentials")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with transaction(db) as conn:
        (pair, pair_key), (by_address, address_key) = keys
        await conn.execute(q("rate_events_clear"), pair.bucket, pair_key)
        await drop_rate_slot(conn, by_address.bucket, address_key, counted_at[1])
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
