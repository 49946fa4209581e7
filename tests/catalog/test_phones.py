"""Phone numbers: a resident's 手机号码 must take a text message; a unit's 联系电话 may be a landline."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from catalog.lists.editing import UnitEditIn
from catalog.models import NeedIn, PublicNeedIn, UnitIn

NEED = dict(title="帮老人买菜", category_code="public.elderly", community_code="C1", requester_name="张三")
UNIT = dict(name="绿叶志愿服务队", unit_type="volunteer_team", contact_name="刘芳", home_area="S1")


@pytest.mark.parametrize(("typed", "stored"), [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("0086-13812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),  # typed with a full-width keyboard
    ("(138)1234.5678", "13812345678"),
    ("19912345678", "19912345678"),
])
def test_a_mobile_number_is_accepted_as_people_write_it_and_stored_bare(typed, stored):
    assert PublicNeedIn(**NEED, requester_phone=typed).requester_phone == stored
    assert NeedIn(**NEED, source_channel="grid_worker", requester_phone=typed).requester_phone == stored
    assert UnitIn(**UNIT, contact_phone=typed).contact_phone == stored


@pytest.mark.parametrize("typed", [
    "12345", "1381234567", "138123456789", "12812345678", "23812345678", "abc", "138-1234-567x", "1" * 200,
])
def test_anything_but_a_mainland_mobile_is_refused_as_a_residents_number(typed):
    for model, extra in ((PublicNeedIn, {}), (NeedIn, {"source_channel": "grid_worker"})):
        with pytest.raises(ValidationError) as err:
            model(**NEED, **extra, requester_phone=typed)
        assert "请填写 11 位手机号码" in str(err.value)


def test_a_landline_is_refused_where_a_text_message_must_arrive_and_says_why():
    with pytest.raises(ValidationError) as err:
        PublicNeedIn(**NEED, requester_phone="0351-2345678")
    assert "需要手机号码（用于接收短信），不能填写固定电话" in str(err.value)


@pytest.mark.parametrize(("typed", "stored"), [
    ("0351-2345678", "0351-2345678"),
    ("0351 2345678", "0351-2345678"),
    ("(0351)2345678", "0351-2345678"),
    ("03512345678", "0351-2345678"),
    ("010-62345678", "010-62345678"),
    ("021 6234 5678", "021-62345678"),
    ("+86 10 6234 5678", "010-62345678"),
])
def test_a_units_contact_may_be_a_landline_with_its_area_code(typed, stored):
    assert UnitIn(**UNIT, contact_phone=typed).contact_phone == stored
    assert UnitEditIn(**UNIT, contact_phone=typed, active_cap=3).contact_phone == stored


@pytest.mark.parametrize("typed", ["12345", "2345678", "0351-1234567", "0351-0234567", "4008123456", "电话"])
def test_a_contact_number_without_an_area_code_or_not_a_number_is_refused(typed):
    with pytest.raises(ValidationError) as err:
        UnitIn(**UNIT, contact_phone=typed)
    assert "请填写 11 位手机号码或带区号的固定电话" in str(err.value)
