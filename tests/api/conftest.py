"""HTTP fixtures: the app on the real test database, and a world with one account per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from api.app import create_app
from catalog.enums import Role
from catalog.models import AccountIn, Unit
from catalog.people import accounts
from catalog.storage.settings import load_settings
from tests.factories import World, make_unit, make_world

PASSWORD = "correct horse battery"
# Test accounts carry a cheap argon2id hash: verification reads its cost from the hash itself,
# so logins in tests take milliseconds while the code path is the production one.
_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


async def password_hash() -> str:
    return _HASH


@pytest.fixture
async def client(db, database_dsn):
    """A test client on a fresh database."""
    app = create_app(load_settings(database_url=database_dsn))
    async with TestClient(TestServer(app)) as c:
        yield c


async def make_account(db, username: str, role: Role, **scope) -> None:
    await accounts.create_account(
        db, AccountIn(username=username, password=PASSWORD, role=role, **scope), password_hash=await password_hash()
    )


async def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status == 200, await r.text()
    return {"Authorization": f"Bearer {(await r.json())['token']}"}


@dataclass
class Cast:
    """Two communities A and B of one street, and every role, each logged in.

    ``headers[name]`` are the request headers of that account: sec_a/sec_b (secretaries),
    grid_a (grid worker of A's first grid), grid_a2 (A's second grid), street (street admin),
    alliance (alliance administrator), unit_x/unit_y (member units), batch.
    """

    world: World
    unit_x: Unit
    unit_y: Unit
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def a(self) -> str:
        return self.world.communities[0]

    @property
    def b(self) -> str:
        return self.world.communities[1]


@pytest.fixture
async def cast(client, db) -> Cast:
    world = await make_world(db, communities=2, grids=2)
    unit_x = await make_unit(db, world, name="绿叶志愿服务队")
    unit_y = await make_unit(db, world, name="红星家电维修协会")
    a, b = world.communities
    specs: dict[str, dict[str, Any]] = {
        "sec_a": dict(role=Role.SECRETARY, community_code=a),
        "sec_b": dict(role=Role.SECRETARY, community_code=b),
        "grid_a": dict(role=Role.GRID_WORKER, community_code=a, grid_code=world.grids[a][0]),
        "grid_a2": dict(role=Role.GRID_WORKER, community_code=a, grid_code=world.grids[a][1]),
        "street": dict(role=Role.STREET_ADMIN, street_code=world.street),
        "alliance": dict(role=Role.STREET_ADMIN),
        "unit_x": dict(role=Role.UNIT, unit_id=unit_x.id),
        "unit_y": dict(role=Role.UNIT, unit_id=unit_y.id),
        "batch": dict(role=Role.BATCH),
    }
    cast = Cast(world, unit_x, unit_y)
    for name, scope in specs.items():
        await make_account(db, name.replace("_", "-"), **scope)
        cast.headers[name] = await login(client, name.replace("_", "-"))
    return cast
