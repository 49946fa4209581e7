"""Keyset paging: a list reads the rows after a key, and the cursor of its next page is the key
of the last row it returned, written here once.

A list query takes ``after`` (the previous cursor, read by :attr:`catalog.models.ListQuery.after`)
and a page size, and orders by its key; a page shorter than its size is the last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def next_cursor(rows: Sequence[Mapping[str, Any]], page_size: int, key: str = "id") -> str | None:
    """The cursor of the page after ``rows``: the last row's ``key`` when the page is full, else None."""
    return str(rows[-1][key]) if rows and len(rows) == page_size else None
