"""catalog.shapes: each input type accepts exactly what its JSON Schema allows.

The patterns are built from bounds, so they are checked against the bounds themselves (a
decimal string is in range and a multiple of the step, or it is not), and the JSON Schema
validator the contract test uses is asked the same question as pydantic.
"""

from __future__ import annotations

import re
from decimal import Decimal

import jsonschema_rs
import pytest
from hypothesis import example, given, settings, strategies as st
from pydantic import BaseModel, ValidationError

from catalog.shapes import WHITESPACE, WS_CLASS, Day, Moment, decimal, decimal_pattern, int_pattern, text

RANGES = [
    # lo, hi, step, lo_open: the ranges the models use, and awkward ones
    ("0", "10000", "0.1", True),
    ("0", "100000", "0.1", False),
    ("0", "99999999.99", "0.01", False),
    ("0.25", "168", "0.05", False),
    ("0.25", "4320", "0.05", False),
    ("1.25", "3.75", "0.05", False),
    ("0.5", "0.5", "0.1", False),
    ("7", "7", "1", False),
]

decimal_text = st.one_of(
    st.from_regex(r"\A(0|[1-9][0-9]{0,9})(\.[0-9]{1,4})?\Z"),
    st.decimals(min_value=-1, max_value=10**9, allow_nan=False, allow_infinity=False, places=3).map(str),
    st.text(alphabet="0123456789.+-e ", max_size=8),
)


def _in_range(s: str, lo: Decimal, hi: Decimal, step: Decimal, lo_open: bool) -> bool:
    if not re.fullmatch(r"(0|[1-9][0-9]*)(\.[0-9]+)?", s):
        return False
    v = Decimal(s)
    places = max(0, -step.as_tuple().exponent)  # type: ignore[operator]
    if places == 0 and "." in s:
        return False  # integers are written without a fraction
    return (v % step == 0) and (lo < v if lo_open else lo <= v) and v <= hi


@pytest.mark.parametrize(("lo", "hi", "step", "lo_open"), RANGES)
@settings(max_examples=300, deadline=None)
@given(s=decimal_text)
@example(s="0")
@example(s="0.0")
@example(s="10000.00")
@example(s="168.05")
@example(s="0.25")
@example(s="0.20")
def test_a_decimal_pattern_matches_exactly_the_numbers_in_range(lo, hi, step, lo_open, s):
    lo_, hi_, step_ = Decimal(lo), Decimal(hi), Decimal(step)
    pattern = decimal_pattern(lo_, hi_, step_, lo_open=lo_open)
    assert bool(re.fullmatch(pattern, s)) == _in_range(s, lo_, hi_, step_, lo_open), pattern


@settings(max_examples=300, deadline=None)
@given(lo=st.integers(0, 10**6), width=st.integers(0, 10**7), n=st.integers(0, 2 * 10**7))
def test_an_int_pattern_matches_exactly_the_integers_in_range(lo, width, n):
    hi = lo + width
    assert bool(re.fullmatch(int_pattern(lo, hi), str(n))) == (lo <= n <= hi)


def test_int_pattern_reaches_the_largest_id():
    pattern = re.compile(int_pattern(0, 2**63 - 1))
    assert pattern.fullmatch(str(2**63 - 1)) and not pattern.fullmatch(str(2**63))
    assert not pattern.fullmatch("007")


class _Form(BaseModel):
    title: text(10)  # type: ignore[valid-type]
    note: text(10, blank=True) = ""  # type: ignore[valid-type]
    hours: decimal(1, "0", "100", lo_open=True) = Decimal(1)  # type: ignore[valid-type]
    day: Day | None = None
    at: Moment | None = None


_SCHEMA = jsonschema_rs.validator_for(_Form.model_json_schema(), validate_formats=True)


def _both(data: dict) -> tuple[bool, bool]:
    """(the JSON Schema allows it, the model accepts it as a JSON body)"""
    import json

    try:
        _Form.model_validate_json(json.dumps(data), strict=True)
        accepted = True
    except ValidationError:
        accepted = False
    return _SCHEMA.is_valid(data), accepted


@pytest.mark.parametrize("data", [
    {"title": "修水管"},
    {"title": " 修水管 "},
    {"title": "   "},
    {"title": ""},
    {"title": "\u3000"},
    {"title": "a\x00b"},
    {"title": "长" * 10},
    {"title": " " + "长" * 10},  # eleven as sent
    {"title": "t", "note": "  "},
    {"title": "t", "hours": ""},
    {"title": "t", "hours": "2.5"},
    {"title": "t", "hours": "2.50"},
    {"title": "t", "hours": 2.5},
    {"title": "t", "hours": 2.25},
    {"title": "t", "hours": "1e1"},
    {"title": "t", "hours": "+1"},
    {"title": "t", "hours": 0},
    {"title": "t", "hours": "100.0"},
    {"title": "t", "hours": True},
    {"title": "t", "day": "2025-05-01"},
    {"title": "t", "day": "0"},
    {"title": "t", "day": 0},
    {"title": "t", "day": "2025-02-30"},
    {"title": "t", "day": "0001-01-01"},
    {"title": "t", "at": "2025-05-01T09:00:00+08:00"},
    {"title": "t", "at": "2025-05-01t09:00:00z"},
    {"title": "t", "at": "2025-05-01T09:00:00"},
    {"title": "t", "at": "2025-05-01 09:00:00Z"},
    {"title": "t", "at": "2025-05-01T09:00Z"},
    {"title": "t", "at": "2025-05-01T23:59:60Z"},
    {"title": "t", "at": "2025-05-01T09:00:00+0800"},
])
def test_schema_and_model_agree(data):
    allowed, accepted = _both(data)
    assert allowed == accepted, data


def test_text_is_trimmed_after_its_length_is_counted():
    assert _Form(title=" 修水管\u3000").title == "修水管"
    with pytest.raises(ValidationError):
        _Form(title=" " + "长" * 10)


def test_non_blank_text_needs_a_character_trimming_keeps():
    in_class = {c for c in map(chr, range(0x3001)) if re.fullmatch(f"[{WS_CLASS}]", c)}
    assert in_class == set(WHITESPACE)
