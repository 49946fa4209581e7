"""Links in messages are absolute: a phone opening a text message knows nothing of our address."""

from __future__ import annotations

import re

import pytest

from catalog.enums import ProjectStatus
from catalog.storage.settings import SettingsError, get_settings, load_settings
from tests.factories import make_project

API = "/api/v1"


@pytest.mark.parametrize(("given", "stored"), [
    ("https://example.org", "https://example.org/"),
    ("https://example.org/", "https://example.org/"),
    ("https://example.org/sandan//", "https://example.org/sandan/"),
    ("HTTP://10.0.0.5:8080", "http://10.0.0.5:8080/"),
    ("  https://example.org  ", "https://example.org/"),
    ("", None),
])
def test_the_public_url_is_normalised(given, stored):
    assert load_settings(public_url=given).public_url == stored


@pytest.mark.parametrize("bad", [
    "example.org", "ftp://example.org", "https://", "https://example.org/?from=sms", "https://example.org/#top",
    "https://user:secret@example.org", "https://example.org:99999", "https://exa mple.org",
])
def test_a_public_url_that_cannot_start_a_link_stops_start_up_naming_the_variable(bad):
    with pytest.raises(SettingsError, match="SANDAN_PUBLIC_URL"):
        load_settings(public_url=bad)


def test_unset_the_links_start_at_the_address_the_service_listens_on():
    assert load_settings().link("/closing/abc") == "http://127.0.0.1:8080/closing/abc"
    assert load_settings(host="0.0.0.0", port=18080).base_url == "http://0.0.0.0:18080/"
    assert load_settings(host="::1", port=9000).base_url == "http://[::1]:9000/"
    assert load_settings(public_url="https://example.org/sandan").link("/closing/abc") == \
        "https://example.org/sandan/closing/abc"


@pytest.fixture
def public_url(monkeypatch):
    """Set SANDAN_PUBLIC_URL (None: unset) for the catalog, which reads the environment's settings."""
    def set_to(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("SANDAN_PUBLIC_URL", raising=False)
        else:
            monkeypatch.setenv("SANDAN_PUBLIC_URL", value)
        for name in ("SANDAN_HOST", "SANDAN_PORT"):
            monkeypatch.delenv(name, raising=False)
        get_settings.cache_clear()

    yield set_to
    get_settings.cache_clear()


async def _closing_message(client, cast, db) -> str:
    built = await make_project(db, cast.world, ProjectStatus.IN_PROGRESS, unit=cast.unit_x)
    r = await client.post(f"{API}/projects/{built.id}/complete", headers=cast.headers["unit_x"],
                          json={"note": "已修好", "beneficiaries_served": 1, "hours_spent": "1"})
    assert r.status == 200, await r.text()
    return await db.fetchval("SELECT body FROM outbox WHERE project_id = $1", built.id)


async def test_the_closing_message_links_to_the_public_url(client, cast, db, public_url):
    public_url("https://example.org/")
    body = await _closing_message(client, cast, db)
    link = re.search(r"https://example\.org/closing/([A-Za-z0-9_-]{20,})$", body)
    assert link, body
    # the link works: it opens the closing page of that project
    r = await client.get(f"/closing/{link.group(1)}")
    assert r.status == 200 and "提交评价" in await r.text()


async def test_without_a_public_url_the_closing_message_links_to_the_listening_address(client, cast, db, public_url):
    public_url(None)
    body = await _closing_message(client, cast, db)
    assert re.search(r"：http://127\.0\.0\.1:8080/closing/[A-Za-z0-9_-]{20,}$", body), body
