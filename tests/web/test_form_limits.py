"""A field's own message on a form never hides a length limit."""

from __future__ import annotations

from api.web.admin.units import SubcategoryForm
from api.web.kit.forms import parse_form
from catalog.models import LoginIn, ProgressIn


def test_a_fields_own_message_gives_way_to_its_length_limit():
    _, form = parse_form(LoginIn, {"username": "u" * 100, "password": "p" * 300},
                         messages={"username": "请填写用户名", "password": "请填写密码"})
    assert form.errors == {"username": "不能超过 64 个字", "password": "不能超过 200 个字"}
    _, form = parse_form(LoginIn, {"username": "", "password": ""},
                         messages={"username": "请填写用户名", "password": "请填写密码"})
    assert form.errors == {"username": "请填写用户名", "password": "请填写密码"}


def test_a_photo_link_too_long_says_so_rather_than_how_it_must_start():
    own = {"photo_url": "照片链接须以 http:// 或 https:// 开头"}
    _, form = parse_form(ProgressIn, {"body": "已上门", "photo_url": "https://example.org/" + "a" * 600}, messages=own)
    assert form.errors == {"photo_url": "不能超过 508 个字"}
    _, form = parse_form(ProgressIn, {"body": "已上门", "photo_url": "ftp://example.org/a.jpg"}, messages=own)
    assert form.errors == own


def test_a_category_code_too_long_says_so_rather_than_which_letters_it_may_hold():
    own = {"suffix": "编码须以小写英文字母开头，只含小写字母、数字和下划线（如 elderly_meal）"}
    _, form = parse_form(SubcategoryForm, {"parent_code": "public", "suffix": "elderly_" * 5, "name": "助餐"},
                         messages=own)
    assert form.errors == {"suffix": "不能超过 31 个字"}
    _, form = parse_form(SubcategoryForm, {"parent_code": "public", "suffix": "9meal", "name": "助餐"}, messages=own)
    assert form.errors == own
