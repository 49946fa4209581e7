"""The pages' common ground: login and logout, CSRF, Chinese errors, forms that keep input."""

from __future__ import annotations

from api.web.kit.forms import parse_form
from catalog.models import LoginIn, PublicNeedIn

from .conftest import csrf_of, post_form, sign_in


async def test_overview_still_answers_at_the_root(client):
    r = await client.get("/")
    assert r.status == 200
    text = await r.text()
    assert "需求清单" in text and "项目清单" in text and "暂无项目" in text
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    css = await client.get("/static/site.css")
    assert css.status == 200 and ".flash" in await css.text()


async def test_a_browser_gets_a_chinese_404_page_but_the_api_keeps_json(client):
    r = await client.get("/no/such/page", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status == 404 and r.content_type == "text/html"
    assert "页面不存在" in await r.text()
    r = await client.get("/api/v1/no/such")
    assert r.status == 404 and (await r.json())["error"]["code"] == "not_found"


async def test_login_sets_an_httponly_lax_session_and_logout_ends_it(client, cast):
    r = await post_form(client, "/login", username="sec-a", password="wrong password")
    assert r.status == 200
    text = await r.text()
    assert "用户名或密码错误" in text and 'value="sec-a"' in text and "wrong password" not in text
    r = await post_form(client, "/login", username="sec-a", password="correct horse battery")
    assert r.status == 303
    cookie = r.cookies["sandan_session"]
    assert cookie.value.startswith("sdn_") and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain http in the test; https (or a proxy saying so) makes it Secure
    home = await client.get(r.headers["Location"])
    assert home.status == 200 and "欢迎" in await home.text()
    assert home.headers["Cache-Control"] == "no-store"
    r = await client.post("/logout", data={"_csrf": csrf_of(await home.text())}, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == "/login"
    # the token itself is dead, not just the cookie
    r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {cookie.value}"})
    assert r.status == 401


async def test_a_post_without_the_csrf_value_is_refused(client, cast):
    await sign_in(client, "sec-a")
    r = await client.post("/logout", data={}, allow_redirects=False)
    assert r.status == 403 and "表单已失效" in await r.text()
    r = await client.post("/logout", data={"_csrf": "forged"}, allow_redirects=False)
    assert r.status == 403
    r = await client.post("/login", data={"username": "sec-a", "password": "x"}, allow_redirects=False)
    assert r.status == 403


async def test_login_returns_to_the_page_asked_for_and_never_to_another_site(client, cast):
    r = await post_form(client, "/login?next=/public", username="sec-a", password="correct horse battery",
                        next="//evil.example/x")
    assert r.status == 303 and r.headers["Location"].startswith("/") and not r.headers["Location"].startswith("//")


async def test_a_staff_page_sends_the_anonymous_to_login_and_back(client, cast):
    r = await client.get("/account?x=1", allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == "/login?next=%2Faccount%3Fx%3D1"
    login = await client.get(r.headers["Location"])
    assert "请先登录" in await login.text()
    r = await post_form(client, "/login?next=%2Faccount", username="unit-x", password="correct horse battery",
                        next="/account")
    assert r.headers["Location"] == "/account"
    text = await (await client.get("/account")).text()
    assert "联盟成员单位" in text and f"<td>{cast.unit_x.id}</td>" in text


async def test_a_dead_session_cookie_asks_to_sign_in_again(client, cast):
    await sign_in(client, "sec-a")
    client.session.cookie_jar.update_cookies({"sandan_session": "sdn_" + "x" * 43}, client.make_url("/"))
    r = await client.get("/account", allow_redirects=False)
    assert r.status == 303 and r.headers["Location"].startswith("/login")
    assert "登录已过期" in await (await client.get(r.headers["Location"])).text()


def test_form_errors_are_chinese_per_field_and_keep_what_was_typed():
    data, form = parse_form(PublicNeedIn, {"title": "  ", "requester_phone": "abc", "requester_name": "王芳",
                                           "category_code": "elderly_care", "community_code": "c1",
                                           "beneficiary_count": "二"},
                            messages={"requester_phone": "请填写正确的手机号码"})
    assert data is None
    assert form.error("title") == "请填写此项"
    assert form.error("requester_phone") == "请填写正确的手机号码"
    assert form.error("beneficiary_count") == "请填写整数"
    assert form.value("requester_name") == "王芳" and form.value("beneficiary_count") == "二"
    data, form = parse_form(LoginIn, {"username": "Sec-A ", "password": "pw", "_csrf": "x"})
    assert form.ok and data.username == "sec-a"
