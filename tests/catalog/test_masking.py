"""Masking phone numbers in free text: phones go, our own numbers stay.

Titles, descriptions and progress notes are written by people, who put the resident's phone in
them; the same text carries project and need numbers, area codes, dates and amounts, which the
public board must show as they are. No database needed.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from catalog.people.access import mask_phone, scrub

# --- what people write around the numbers ------------------------------------------------------

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
PUNCT = st.sampled_from(list("，。、：；！？（）《》“”【】 ") + ["电话", "手机", "联系", "座机", "号码", "：", "金额"])
# Chinese text that neither starts nor ends with a digit or a Latin letter
TEXT = st.lists(st.one_of(HAN, PUNCT), min_size=0, max_size=8).map("".join)


# --- our own numbers ----------------------------------------------------------------------------

def _pad(n: int) -> str:
    return str(n).zfill(7)


project_numbers = st.integers(1, 10**10).map(lambda i: "XM" + _pad(i))
need_numbers = st.integers(1, 10**10).map(lambda i: "XQ" + _pad(i))
# administrative codes: a district has 6 digits, a street 9, a community 12, a grid 14; the first
# digit is the province's (1 to 6)
area_codes = st.tuples(st.sampled_from([6, 9, 12, 14]), st.integers(1, 6), st.integers(0, 10**14)).map(
    lambda t: (str(t[1]) + str(t[2]).zfill(14))[: t[0]])
dates = st.dates().filter(lambda d: d.year >= 1000).flatmap(lambda d: st.sampled_from([
    d.isoformat(), d.strftime("%Y%m%d"), f"{d.year}年{d.month}月{d.day}日", d.strftime("%Y/%m/%d"),
    d.strftime("%Y.%m.%d"), d.isoformat() + " 14:30",
]))
amounts = st.tuples(
    st.integers(0, 10**10 - 1), st.booleans(), st.booleans(), st.sampled_from(["元", "万元", "", " 元"]),
).map(lambda t: (f"{t[0]:,}" if t[1] else str(t[0])) + (".50" if t[2] else "") + t[3])
counts = st.integers(0, 999_999).map(str)
OURS = st.one_of(project_numbers, need_numbers, area_codes, dates, amounts, counts)


@settings(max_examples=400)
@given(st.lists(st.tuples(TEXT, OURS), min_size=1, max_size=6), TEXT)
def test_our_own_numbers_survive_untouched(parts, tail):
    # each number sits after Chinese words or punctuation, as people write them, never after a bare
    # space: "138 1234 5678" is a phone however it came about
    text = "".join((words if words.strip() else "。") + number for words, number in parts) + "，" + tail
    assert scrub(text) == text


# --- phones ------------------------------------------------------------------------------------

SEP = st.sampled_from(["", " ", "-"])
mobiles = st.tuples(st.integers(3, 9), st.integers(0, 10**9 - 1), SEP).map(
    lambda t: (f"1{t[0]}{t[1]:09d}", t[2]))
# area codes: 010 and 02x have three digits, the rest four (0351 太原); local numbers 7 or 8 digits
area = st.one_of(st.sampled_from(["010", "020", "021", "022", "023", "024", "025", "027", "028", "029"]),
                 st.integers(310, 999).map(lambda n: f"0{n}"))
local = st.tuples(st.integers(1, 9), st.sampled_from([6, 7])).flatmap(
    lambda t: st.integers(0, 10 ** t[1] - 1).map(lambda n: str(t[0]) + str(n).zfill(t[1])))


def _mobile_text(digits: str, sep: str) -> str:
    return digits[:3] + sep + digits[3:7] + sep + digits[7:] if sep else digits


def _landline_text(code: str, number: str, style: str) -> str:
    return {"dash": f"{code}-{number}", "plain": code + number, "space": f"{code} {number}",
            "parens": f"({code}){number}", "wide": f"（{code}）{number}", "parens_space": f"({code}) {number}"}[style]


phones = st.one_of(
    mobiles.map(lambda m: (_mobile_text(*m), m[0])),
    mobiles.map(lambda m: ("+86 " + _mobile_text(*m), m[0])),
    st.tuples(area, local, st.sampled_from(["dash", "plain", "space", "parens", "wide", "parens_space"])).map(
        lambda t: (_landline_text(*t), t[0] + t[1])),
)


@settings(max_examples=400)
@given(TEXT, phones, TEXT)
def test_phones_in_chinese_text_are_masked(before, phone, after):
    shown, digits = phone
    out = scrub(before + shown + after)
    assert out == before + mask_phone(digits) + after


@settings(max_examples=200)
@given(TEXT, phones, TEXT, OURS, TEXT)
def test_a_phone_beside_our_numbers_goes_and_they_stay(before, phone, middle, ours, after):
    shown, digits = phone
    text = f"{before}{ours}，{middle}电话{shown}，{after}"
    assert scrub(text) == f"{before}{ours}，{middle}电话{mask_phone(digits)}，{after}"


def test_examples_from_the_board():
    assert scrub("合并需求XQ0000270、XQ0000271：修水管") == "合并需求XQ0000270、XQ0000271：修水管"
    assert scrub("XM0000270 于2024-03-15完成，费用1280元") == "XM0000270 于2024-03-15完成，费用1280元"
    assert scrub("社区141099001001网格14109900100101") == "社区141099001001网格14109900100101"
    assert scrub("张建国家水管漏水，电话13912345678", ["张建国"]) == "张**家水管漏水，电话139****5678"
    assert scrub("座机0351-1234567或（0351）7654321") == "座机035****4567或035****4321"
    assert scrub("手机 139 1234 5678。") == "手机 139****5678。"
