"""居民 · 结单: the closing page reached by the link in the text message, where the resident
closes the project and rates it. Residents have no account; the link is the key, usable once
and for a limited time."""

from __future__ import annotations

from aiohttp import web

from catalog import scoped
from catalog.enums import Outcome
from catalog.errors import Conflict, DomainError, Forbidden
from catalog.models import ClosingIn, ClosingPage
from catalog.storage.settings import get_settings

from ..kit import Form, View, page

# A link that cannot be used says so at once, before anyone fills in a rating: 404 for a link
# that names nothing, 410 for one that did its job or ran out.
_LINK_STATUS = {"token_invalid": 404, "token_used": 410, "token_expired": 410}


def _link_problem(v: View, exc: DomainError) -> web.Response:
    if exc.code == "token_used":
        title, text = "这个结单链接已经用过了", "您已完成结单和评价，感谢您的反馈。评价提交后不能修改。"
    elif exc.code == "token_expired":
        days = get_settings().closing_days
        title, text = ("结单链接已过期",
                       f"结单链接在项目办结后 {days} 天内有效，过期未评价的项目已按“未评价”结单。"
                       "如有问题，请联系所在社区。")
    elif exc.code == "token_invalid":
        title, text = ("结单链接无效",
                       "没有找到这个链接对应的项目。请核对短信中的链接是否完整；如有问题，请联系所在社区。")
    else:
        title, text = "无法结单", exc.message
    response = v.render("resident/closing_problem.html", {"title": title, "text": text},
                        status=_LINK_STATUS.get(exc.code, 409))
    response.headers["Cache-Control"] = "no-store"
    return response


def _closing(v: View, link: ClosingPage, form: Form) -> web.Response:
    response = v.render("resident/closing.html", {
        "link": link, "p": link.project, "form": form, "outcomes": [(o.value, o.label) for o in Outcome],
        "scores": [(str(n), "★" * n) for n in range(5, 0, -1)]})
    response.headers["Cache-Control"] = "no-store"  # the form belongs to one link, and only until it is used
    return response


@page("/closing/{token}", public=True, template="resident/closing.html")
async def closing_form(v: View):
    try:
        link = await scoped.closing_page(v.db, v.text("token"))
    except (Conflict, Forbidden) as exc:
        return _link_problem(v, exc)
    return _closing(v, link, Form())


@page("/closing/{token}", method="POST", public=True, template="resident/closing.html")
async def close(v: View):
    token = v.text("token")
    try:
        link = await scoped.closing_page(v.db, token)
    except (Conflict, Forbidden) as exc:
        return _link_problem(v, exc)
    data, form = v.validate(ClosingIn, messages={"outcome": "请选择办理结果", "score": "请选择 1 到 5 星"})
    if data is None:
        return _closing(v, link, form)
    try:
        project = await scoped.close_by_resident(v.db, token, data)
    except (Conflict, Forbidden) as exc:  # used or run out since the page was opened
        return _link_problem(v, exc)
    return v.redirect(f"/public/projects/{project.number}", "结单成功，感谢您的评价！")
