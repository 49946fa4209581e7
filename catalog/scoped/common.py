"""The refusals every subject of :mod:`catalog.scoped` says the same way."""

from __future__ import annotations

from catalog.errors import Forbidden
from catalog.people import access


def forbidden(message: str = "无权执行此操作", code: str = "forbidden") -> Forbidden:
    """403: the caller may see the thing but not do this to it."""
    return Forbidden(message, code=code)


def out_of_street() -> Forbidden:
    """403 for a street's administrator reaching for a unit (or its resource) of another street."""
    return forbidden(access.OUT_OF_STREET, "out_of_scope")
