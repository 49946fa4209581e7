"""居民: the need form (点单) and the closing page reached by the link in the text message (结单).

Residents have no account. The form goes through the same rate-limited public submission as
the API (``scoped.submit_public_need``: a few per address in ten minutes), behind the CSRF
cookie (a script has to fetch the page first) and a hidden field that people leave empty.
"""

from __future__ import annotations

import logging

from aiohttp import web

from catalog import scoped
from catalog.people.accounts import RateLimited
from catalog.enums import Outcome, Urgency
from catalog.errors import Conflict, DomainError, Forbidden
from catalog.models import ClosingIn, ClosingPage, PublicNeedIn
from catalog.storage.settings import get_settings

from . import names
from .core import Form, View, page

log = logging.getLogger("sandan.web")

HONEYPOT = "website"  # hidden from people by CSS; filled in by form-filling robots
# Only where every error means "choose one": the other fields' own messages say what is wrong
# (a phone number's, a length limit).
_NEED_MESSAGES = {
    "community_code": "请选择您所在的社区",
    "category_code": "请选择需求类别",
    "title": "请用一句话说明您需要什么帮助",
}


async def _need_context(v: View, form: Form) -> dict:
    return {
        "form": form, "honeypot": HONEYPOT,
        "categories": await names.category_choices(v),
        "communities": await names.community_choices(v),
        "urgencies": [(u.value, u.label) for u in Urgency],
    }


@page("/need", public=True, template="resident/need.html", nav="我要点单", order=5)
async def need_form(v: View) -> dict:
    form = Form(values={"urgency": Urgency.NORMAL.value, "beneficiary_count": "1",
                        "community_code": v.request.query.get("community", "")})
    return await _need_context(v, form)


@page("/need", method="POST", public=True, template="resident/need.html")
async def submit_need(v: View):
    data, form = v.validate(PublicNeedIn, messages=_NEED_MESSAGES)
    if (v.form_data or {}).get(HONEYPOT):
        log.info("need form: hidden field filled in from %s; not stored", v.address)
        return v.redirect("/need/thanks")  # a robot learns nothing
    if data is not None:
        try:
            receipt = await scoped.submit_public_need(v.db, data, v.address)
        except RateLimited as exc:  # the same page, what was typed kept, but said with the status too
            form.fail(exc.message)
            response = v.render("resident/need.html", await _need_context(v, form), status=429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except DomainError as exc:  # e.g. a community that closed since the page was loaded
            form.fail(exc.message)
        else:
            return v.redirect(f"/need/thanks?number={receipt.number}", "提交成功")
    return await _need_context(v, form)


@page("/need/thanks", public=True, template="resident/need_thanks.html")
async def need_thanks(v: View) -> dict:
    number = v.request.query.get("number", "")
    return {"number": number if number.isascii() and number.replace("-", "").isalnum() else ""}


# --- 结单 --------------------------------------------------------------------------------------

# A link that cannot be used says so at once, before anyone fills in a rating: 404 for a link
# that names nothing, 410 for one that did its job or ran out.
_LINK_STATUS = {"token_invalid": 404, "token_used": 410, "token_expired": 410}


def _link_problem(v: View, exc: DomainError) -> web.Response:
    if exc.code == "token_used":
        title, text = "这个结单链接已经用过了", "您已完成结单和评价，感谢您的反馈。评价提交后不能修改。"
    elif exc.code == "token_expired":
        days = get_settings().closing_days
        title, text = ("结单链接已过期",
                       f"结单链接在项目办结后 {days} 天内有效，过期未评价的项目已按“未评价”结单。如有问题，请联系所在社区。")
    elif exc.code == "token_invalid":
        title, text = "结单链接无效", "没有找到这个链接对应的项目。请核对短信中的链接是否完整；如有问题，请联系所在社区。"
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
