"""Staff login and logout. The session cookie carries the same token as the API's bearer token."""

from __future__ import annotations

import datetime as dt

from catalog import scoped
from catalog.errors import RateLimited, Unauthenticated
from catalog.models import LoginIn

from ..kit import Form, View, local_path, page
from ..kit.cookies import SESSION_COOKIE, set_cookie
from ..kit.pages import home_for


@page("/login", public=True, template="auth/login.html")
async def login_form(v: View) -> dict:
    if v.principal is not None:
        v.flash(f"您已登录为 {v.principal.display_name or v.principal.username}（{v.principal.role.label}）", "info")
    return {"form": Form(), "next": local_path(v.request.query.get("next", ""))}


@page("/login", method="POST", public=True, template="auth/login.html", invalidates=())
async def login(v: View):
    data, form = v.validate(LoginIn, messages={"username": "请填写用户名", "password": "请填写密码"})
    target = local_path(str(v.form_data.get("next", "") if v.form_data is not None else ""))
    form.values.pop("password", None)  # a password is never written back into the page
    if data is not None:
        try:
            session = await scoped.login(v.db, data, v.address)
        except RateLimited as exc:  # the message says how long; the status and header say it too
            form.fail(exc.message)
            response = v.render("auth/login.html", {"form": form, "next": target}, status=429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except Unauthenticated as exc:
            form.fail(exc.message)
        else:
            ttl = int((session.expires_at - dt.datetime.now(dt.UTC)).total_seconds())
            set_cookie(v.request, SESSION_COOKIE, session.token, max_age=max(ttl, 60))
            who = session.principal.display_name or session.principal.username
            return v.redirect(target if target != "/" else home_for(session.principal),
                              f"欢迎，{who}（{session.principal.role.label}）")
    return {"form": form, "next": target}


@page("/logout", method="POST", public=True, invalidates=())
async def logout(v: View):
    if v.token:
        await scoped.logout(v.db, v.token)
    set_cookie(v.request, SESSION_COOKIE, None)
    return v.redirect("/login", "已退出登录", "info")


@page("/account", template="auth/account.html", nav="我的账号", order=900)
async def account(v: View) -> dict:
    return {}
