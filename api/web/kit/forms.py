"""Forms: what the user typed, checked by the API's own pydantic models, with every error in
Chinese next to its field and the values kept for the form shown again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from multidict import MultiDictProxy
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from catalog.local_time import LOCAL_TIME
from catalog.shapes import BEYOND_SCHEMA


@dataclass
class Form:
    """What the user typed and what is wrong with it, field by field, for the template."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)  # errors about the form as a whole

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def values_of(self, name: str) -> list[str]:
        """A multi-valued field (checkboxes, multiple select) as a list of strings."""
        v = self.values.get(name, [])
        return [str(x) for x in (v if isinstance(v, list) else [v])]

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    def fail(self, message: str, name: str = "") -> Form:
        """Add an error, to a field or (no name) to the whole form; returns the form."""
        if name:
            self.errors[name] = message
        else:
            self.general.append(message)
        return self


# Errors that say how much a field may hold; a field's own message ("请选择…", "请填写…") would hide it.
_LIMITS = frozenset({"string_too_long", "too_long"})


def _zh(err: ErrorDetails) -> str:
    """A pydantic error in words a secretary or a resident understands."""
    t, ctx = err["type"], err.get("ctx") or {}
    if t == "missing":
        return "请填写此项"
    if t == "string_too_short":
        return "请填写此项" if ctx.get("min_length", 1) <= 1 else f"至少填写 {ctx['min_length']} 个字"
    if t == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字"
    if t == "too_short":
        return f"请至少选择 {ctx.get('min_length', 1)} 项"
    if t == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if t == "string_pattern_mismatch":
        return "格式不正确"
    if t in ("int_parsing", "int_from_float", "int_type"):
        return "请填写整数"
    if t in ("float_parsing", "decimal_parsing", "float_type", "decimal_type"):
        return "请填写数字"
    if t == "decimal_max_places":
        return f"最多 {ctx.get('decimal_places')} 位小数"
    if t == "decimal_max_digits":
        return "数字位数过多"
    bounds = {"greater_than": "须大于 {}", "greater_than_equal": "不能小于 {}", "less_than": "须小于 {}",
              "less_than_equal": "不能大于 {}"}
    if t in bounds:
        return bounds[t].format(next(iter(ctx.values()), ""))
    if t in ("enum", "literal_error"):
        return "请从列表中选择"
    if t.startswith("date_") or t == "date_type":
        return "日期须写作 YYYY-MM-DD，如 2024-05-01"
    if t.startswith("datetime_") or t.startswith("timezone_"):
        return "时间格式应为 2024-05-01 09:00"
    if t == "value_error":
        msg = str(err.get("msg", ""))
        return msg.removeprefix("Value error, ")
    if t in BEYOND_SCHEMA:  # rules across fields, each with its own words
        return str(err.get("msg", ""))
    if t == "extra_forbidden":
        return "不应填写此项"
    return "填写有误"


def parse_form(model: type[BaseModel], data: MultiDictProxy | dict, *, lists: Iterable[str] = (),
               datetimes: Iterable[str] = (), messages: dict[str, str] | None = None,
               extra: dict[str, Any] | None = None) -> tuple[Any, Form]:
    """Validate form fields into ``model``; ``(model or None, Form)``.

    Only the model's fields are read (the CSRF field and buttons are ignored); an empty text box
    counts as not filled in, so the model's default applies. ``lists``: fields sent several
    times (checkboxes). ``datetimes``: ``<input type=datetime-local>`` fields, read as local
    time. ``messages``: a field's own message instead of the generic one (e.g. "choose a
    category"), but never for a length limit: text too long always says how long it may be.
    ``extra``: values the page supplies itself (e.g. the community of the signed-in secretary).
    """
    lists, datetimes, messages = set(lists), set(datetimes), messages or {}
    getall = data.getall if isinstance(data, MultiDictProxy) else (lambda k, d=(): (
        data[k] if isinstance(data.get(k), list) else [data[k]]) if k in data else list(d))
    values: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for name in model.model_fields:
        if name in lists:
            got = [str(x).strip() for x in getall(name, []) if str(x).strip()]
            values[name] = got
            if got:
                clean[name] = got
            continue
        raw = data.get(name)
        if raw is None or not isinstance(raw, str):
            continue
        values[name] = raw
        text = raw.strip()
        if not text:
            continue
        if name in datetimes:
            text = _local_datetime(text)
        clean[name] = text
    clean.update(extra or {})
    form = Form(values=values)
    try:
        return model.model_validate(clean), form
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_input=False):
            loc = [str(p) for p in err["loc"]]
            name = loc[0] if loc else ""
            message = (None if err["type"] in _LIMITS else messages.get(name)) or _zh(err)
            if name and name in model.model_fields and name not in (extra or {}):
                form.errors.setdefault(name, message)
            else:
                form.general.append(message)
        return None, form


def _local_datetime(text: str) -> str:
    """``2024-05-01T09:30`` from a datetime-local box → the same wall-clock time in UTC+8."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return text  # the model says it is malformed
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TIME)
    return value.isoformat()
