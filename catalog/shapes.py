"""Input shapes whose JSON Schema says exactly what they accept: text, decimals, dates, and the
rules across a model's fields.

Pydantic's own schema says less than it checks (a decimal field is "a number or any string", a
rule in a model validator is not in the schema at all), so a client that follows the OpenAPI
document gets refused, or sends what the document forbids and gets it accepted. Each type here
checks what its schema states and nothing else; the rule fragments go into a model's
``json_schema_extra`` beside the validator that enforces them.

What JSON Schema cannot state (that one time comes before another, that a code names a row) is
refused with an error type of its own, listed in :data:`BEYOND_SCHEMA`, and said in words in the
model's description.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import KW_ONLY, dataclass
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# Pydantic error types of rules JSON Schema cannot state: the order of two dates, times or
# clock times. A request the schema allows may still break these, and only these, in the models.
BEYOND_SCHEMA = frozenset({"date_order", "window_order", "slot_order"})

# --- text ------------------------------------------------------------------------------------

# Unicode White_Space: what trimming removes and what a non-blank text needs one character besides.
WHITESPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
              + "\u2028\u2029\u202f\u205f\u3000")
WS_CLASS = "\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# PostgreSQL text cannot hold NUL, so no text may carry it.
NO_NUL = "^[^\x00]*$"
NON_BLANK = f"^[^\x00]*[^\x00{WS_CLASS}][^\x00]*$"


def trim(value: str) -> str:
    return value.strip(WHITESPACE)


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """Free text of at most ``max_length`` characters as sent, stored without surrounding
    whitespace; unless ``blank``, it must have a character that is not whitespace.

    Written ``Annotated[str, Text(100)]``: an alias mypy reads as ``str``, where pydantic finds
    the constraints and the trimming (this object stands for them, in that order).
    """

    max_length: int
    blank: bool = False

    def __iter__(self) -> Iterator[object]:
        yield from StringConstraints(min_length=None if self.blank else 1, max_length=self.max_length,
                                     pattern=NO_NUL if self.blank else NON_BLANK)
        yield AfterValidator(trim)


def text(max_length: int, *, blank: bool = False) -> Any:
    """``Annotated[str, Text(max_length, blank=blank)]`` as a value, for a model built at run time.
    An annotation says that itself: mypy takes no call for a type."""
    return Annotated[str, Text(max_length, blank=blank)]


# --- decimals --------------------------------------------------------------------------------


def int_pattern(lo: int, hi: int) -> str:
    """A regular expression (unanchored, no leading zeros) for the integers ``lo`` to ``hi``."""
    parts = ["0"] if lo == 0 else []
    full: list[int] = []  # widths whose every number is in range, written as one run
    for width in range(len(str(max(lo, 1))), len(str(hi)) + 1):
        first, last = max(lo, 1, 10 ** (width - 1)), min(hi, 10**width - 1)
        if first > last:
            continue
        if first == 10 ** (width - 1) and last == 10**width - 1:
            full.append(width)
            continue
        parts.append(_same_width(str(first), str(last)))
    if full:
        low, high = full[0] - 1, full[-1] - 1
        parts.insert(1 if lo == 0 else 0, "[1-9]" + ("" if high == 0 else "[0-9]" + (
            f"{{{high}}}" if low == high and high > 1 else "" if low == high else f"{{{low},{high}}}")))
    return _alt(parts)


def _same_width(lo: str, hi: str) -> str:
    if lo == hi:
        return lo
    if len(lo) == 1:
        return _digits(int(lo), int(hi))
    if lo[0] == hi[0]:
        return lo[0] + _group(_same_width(lo[1:], hi[1:]))
    rest = len(lo) - 1
    parts, first, last = [], int(lo[0]), int(hi[0])
    if lo[1:] != "0" * rest:
        parts.append(lo[0] + _group(_same_width(lo[1:], "9" * rest)))
        first += 1
    tail = None
    if hi[1:] != "9" * rest:
        tail = hi[0] + _group(_same_width("0" * rest, hi[1:]))
        last -= 1
    if first <= last:
        parts.append(_digits(first, last) + ("[0-9]" if rest == 1 else f"[0-9]{{{rest}}}"))
    if tail is not None:
        parts.append(tail)
    return _alt(parts)


def _digits(first: int, last: int) -> str:
    if first == last:
        return str(first)
    return f"[{first}{'-' if last > first + 1 else ''}{last}]"


def _alt(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _group(pattern: str) -> str:
    bare = pattern.startswith("(?:") or re.fullmatch(r"[0-9]*|\[[0-9-]+\](\{\d+\})?", pattern)
    return pattern if bare else f"(?:{pattern})"


def _fraction_pattern(allowed: set[int], places: int) -> str:
    """The fractional parts (``""``, ``".5"``, ``".50"`` …) whose value in units of
    ``10**-places`` is in ``allowed``, as a regular expression; trailing zeros say nothing."""
    spellings = set()
    for width in range(1, places + 1):
        for n in range(10**width):
            digits = str(n).zfill(width)
            if int(digits.ljust(places, "0")) in allowed:
                spellings.add(digits)
    if not spellings:
        return ""
    body = r"\." + _trie_pattern(sorted(spellings)) + "0*"
    return f"(?:{body})?" if 0 in allowed else body


def _trie_pattern(words: list[str]) -> str:
    """A regular expression for exactly ``words``; children that end alike share a class."""
    if words == [""]:
        return ""
    end = "" in words
    by_first: dict[str, list[str]] = {}
    for w in words:
        if w:
            by_first.setdefault(w[0], []).append(w[1:])
    by_rest: dict[str, list[str]] = {}
    for ch, rests in sorted(by_first.items()):
        by_rest.setdefault(_trie_pattern(rests), []).append(ch)
    alts = [_char_class(chars) + rest for rest, chars in by_rest.items()]
    body = "|".join(alts)
    if end:
        return f"{body}?" if len(alts) == 1 and re.fullmatch(r"\[[0-9-]+\]|[0-9]", body) else f"(?:{body})?"
    return body if len(alts) == 1 else f"(?:{body})"


def _char_class(chars: list[str]) -> str:
    digits = sorted(int(c) for c in chars)
    runs: list[tuple[int, int]] = []
    for d in digits:
        if runs and runs[-1][1] == d - 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    if len(runs) == 1 and runs[0][0] == runs[0][1]:
        return str(runs[0][0])
    inner = "".join(f"{a}" if a == b else f"{a}{'-' if b > a + 1 else ''}{b}" for a, b in runs)
    return f"[{inner}]"


def decimal_pattern(lo: Decimal, hi: Decimal, quantum: Decimal, *, lo_open: bool = False) -> str:
    """An anchored regular expression for the decimal strings from ``lo`` to ``hi`` (``lo``
    itself excluded when ``lo_open``) that are multiples of ``quantum``: no sign, no exponent,
    no leading zeros, at most as many decimals as ``quantum`` has."""
    places = max(0, -quantum.as_tuple().exponent)  # type: ignore[operator]
    unit = 10**places
    step = int(quantum * unit)
    low, high = int(lo * unit), int(hi * unit)
    if lo_open:
        low += 1
    low += -low % step
    if low > high:
        raise ValueError("empty range")
    full = {r for r in range(0, unit, step)}
    pieces: list[tuple[int, int, set[int]]] = []
    i_lo, i_hi = low // unit, high // unit
    if i_lo == i_hi:
        pieces.append((i_lo, i_lo, {r for r in full if low <= i_lo * unit + r <= high}))
    else:
        pieces.append((i_lo, i_lo, {r for r in full if i_lo * unit + r >= low}))
        if i_lo + 1 <= i_hi - 1:
            pieces.append((i_lo + 1, i_hi - 1, full))
        pieces.append((i_hi, i_hi, {r for r in full if i_hi * unit + r <= high}))
    alts = [_group(int_pattern(a, b)) + _fraction_pattern(fr, places) for a, b, fr in pieces if fr]
    return "^" + _alt(alts) + "$"


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def decimal_schema(lo: Decimal, hi: Decimal, quantum: Decimal, *, lo_open: bool = False) -> dict[str, Any]:
    """A JSON number or a decimal string, in range and a multiple of ``quantum``."""
    number: dict[str, Any] = {"type": "number", "exclusiveMinimum" if lo_open else "minimum": _plain(lo),
                              "maximum": _plain(hi), "multipleOf": _plain(quantum)}
    return {"anyOf": [number, {"type": "string", "pattern": decimal_pattern(lo, hi, quantum, lo_open=lo_open)}]}


class _Parsed:
    """Run ``parse`` on the value as it came (a JSON string or number, a form's text, a Python
    value) before the type's own checks, which then see a value of the type itself; so the
    type reads one way whether the request is validated strictly (JSON) or not (forms)."""

    def __init__(self, parse: Callable[[Any], Any]) -> None:
        self.parse = parse

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.chain_schema([core_schema.no_info_plain_validator_function(self.parse), handler(source)])


def _decimal_reader(places: int) -> Callable[[Any], Any]:
    shape = re.compile(rf"(?:0|[1-9][0-9]*)(?:\.[0-9]{{1,{places}}}0*)?" if places else "0|[1-9][0-9]*")

    def read(value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        if isinstance(value, str) and shape.fullmatch(value):
            return Decimal(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        raise PydanticCustomError("decimal_parsing", "数字格式应为 12 或 12.5（不带正负号和指数）")

    return read


@dataclass(frozen=True)
class Numeric(GroupedMetadata):
    """A decimal from ``lo`` to ``hi`` with at most ``places`` decimals, sent as a JSON number or
    as a string such as ``"12.5"``.

    ``checked=False`` leaves the bounds, and a ``quantum`` coarser than the decimals, to the
    model's own validator (for a message of its own); the schema states them either way.

    Written ``Annotated[Decimal, Numeric(1, "0", "100")]``: an alias mypy reads as ``Decimal``,
    where pydantic finds what this object stands for.
    """

    places: int
    lo: str
    hi: str
    _: KW_ONLY
    lo_open: bool = False
    quantum: Decimal | None = None
    checked: bool = True

    def __iter__(self) -> Iterator[object]:
        low, high = Decimal(self.lo), Decimal(self.hi)
        quantum = self.quantum if self.quantum is not None else Decimal(1).scaleb(-self.places)
        bounds: dict[str, Any] = {}
        if self.checked:
            bounds = {"gt" if self.lo_open else "ge": low, "le": high}
        yield Field(decimal_places=self.places, allow_inf_nan=False, **bounds)
        yield _Parsed(_decimal_reader(self.places))
        yield WithJsonSchema(decimal_schema(low, high, quantum, lo_open=self.lo_open), mode="validation")


def decimal(places: int, lo: str, hi: str, *, lo_open: bool = False, quantum: Decimal | None = None,
            checked: bool = True) -> Any:
    """``Annotated[Decimal, Numeric(...)]`` as a value, for a model built at run time. An annotation
    says that itself: mypy takes no call for a type."""
    return Annotated[Decimal, Numeric(places, lo, hi, lo_open=lo_open, quantum=quantum, checked=checked)]


# --- dates and times -------------------------------------------------------------------------

# Years 1900 to 2999: a date further out is a typing slip, and a time near year 1 or 9999 with a
# distant offset falls outside what Python's datetime can hold once it is read back in UTC.
_YEAR = "(?:19|2[0-9])[0-9]{2}"
DATE_PATTERN = f"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
# RFC 3339 with its offset, as JSON Schema's date-time format says, without leap seconds
DATETIME_PATTERN = (f"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}[Tt][0-9]{{2}}:[0-9]{{2}}:[0-5][0-9](?:\\.[0-9]+)?"
                    "(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$")


_DATE = TypeAdapter(dt.date)
_DATETIME = TypeAdapter(dt.datetime)


def _reader(pattern: str, adapter: TypeAdapter[Any], error: str, message: str) -> Callable[[Any], Any]:
    shape = re.compile(pattern)
    kind = adapter.core_schema["type"]

    def read(value: Any) -> Any:
        # pydantic alone also reads numbers, and strings of other forms, as dates and times
        if isinstance(value, dt.date) and (kind == "datetime") == isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and shape.fullmatch(value):
            try:
                return adapter.validate_python(value)
            except ValidationError:
                pass  # a day the calendar has not got
        raise PydanticCustomError(error, message)

    return read


Day = Annotated[dt.date, _Parsed(_reader(DATE_PATTERN, _DATE, "date_format", "日期须写作 YYYY-MM-DD，如 2024-05-01")),
                WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}, mode="validation")]
Moment = Annotated[dt.datetime,
                   _Parsed(_reader(DATETIME_PATTERN, _DATETIME, "datetime_format",
                                   "时间格式应为 2024-05-01T09:00:00+08:00（须带时区）")),
                   WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN},
                                  mode="validation")]


# --- rules across fields, as JSON Schema -----------------------------------------------------


def absent(*names: str) -> dict[str, Any]:
    """Each of ``names`` left out or null."""
    return {"properties": {n: {"type": "null"} for n in names}}


def given(*names: str) -> dict[str, Any]:
    """Each of ``names`` sent and not null."""
    return {"required": list(names), "properties": {n: {"not": {"type": "null"}} for n in names}}


def all_or_none(*names: str) -> dict[str, Any]:
    return {"anyOf": [absent(*names), given(*names)]}


def when(name: str, value: Any, then: dict[str, Any], otherwise: dict[str, Any] | None = None) -> dict[str, Any]:
    """``then`` applies when ``name`` is sent as ``value``; ``otherwise`` (if any) when it is not."""
    rule = {"if": {"required": [name], "properties": {name: {"const": value}}}, "then": then}
    if otherwise is not None:
        rule["else"] = otherwise
    return rule


def rules(*fragments: dict[str, Any]) -> dict[str, Any]:
    """A model's ``json_schema_extra``: every fragment must hold."""
    return {"allOf": list(fragments)}
