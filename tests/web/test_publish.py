"""Publishing says what it starts: only a 认领 project is open to units' claims."""

from __future__ import annotations

import pytest

from catalog.enums import DispatchMode, ProjectStatus
from tests.factories import make_project

from .conftest import post_form, sign_in


@pytest.mark.parametrize(("mode", "asked", "told"), [
    (DispatchMode.CLAIM, "成员单位可以认领", "已发布，成员单位现在可以认领"),
    (DispatchMode.DIRECTED, "再由社区定向派单", "已发布，请点“定向派单”选择承接单位"),
    (DispatchMode.OPTIMISE, "等待批量优化派单", "已发布，等待优化派单"),
], ids=["claim", "directed", "optimise"])
async def test_publishing_says_what_happens_next_for_each_dispatch_mode(client, cast, db, mode, asked, told):
    draft = await make_project(db, cast.world, ProjectStatus.DRAFT, via=mode)
    await sign_in(client, "sec-a")
    page = f"/secretary/projects/{draft.id}"
    for where in (page, "/secretary/projects", "/secretary/board"):
        text = await (await client.get(where)).text()
        assert asked in text, where
        if mode is not DispatchMode.CLAIM:
            assert "开放认领" not in text, where
    r = await post_form(client, page, f"{page}/publish")
    assert r.status == 303
    shown = await (await client.get(r.headers["Location"])).text()
    assert f"项目 {draft.project.number} {told}" in shown
    if mode is not DispatchMode.CLAIM:
        assert "可以认领" not in shown
