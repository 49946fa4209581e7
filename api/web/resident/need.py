"""居民 · 点单: the need form.

Residents have no account. The form goes through the same rate-limited public submission as
the API (``scoped.submit_public_need``: a few per address in ten minutes), behind the CSRF
cookie (a script has to fetch the page first) and a hidden field that people leave empty.
"""

from __future__ import annotations

import logging

from catalog import scoped
from catalog.enums import Urgency
from catalog.errors import DomainError, RateLimited
from catalog.models import PublicNeedIn

from ..kit import Form, View, names, page

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
    if v.form_data is not None and v.form_data.get(HONEYPOT):
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
