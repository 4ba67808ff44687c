"""Sorting (RFC 7644 §3.4.2.3), shared by the in-memory store, the SQL store's Python fallback and root search.

A resource sorts by the value at ``sortBy``; for a multi-valued attribute, its primary value or else its first.
Strings compare per ``caseExact``, dateTimes chronologically.  Resources without a value sort last in either
order, and ties keep their incoming order (the sort is stable).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from scimcore.filter.ast import Path
from scimcore.filter.evaluate import values_at
from scimcore.schema.documents import parse_datetime

T = TypeVar("T")
SortKey = tuple[int, Any]
MISSING: SortKey = (1, "")


def sort_key(doc: Mapping[str, Any], path: Path | None) -> SortKey:
    """``(0, value)`` for the value ``doc`` sorts by at ``path``, or :data:`MISSING`."""
    if path is None:
        return MISSING
    values = values_at(doc, path)
    if path.attr.multi_valued and path.attr.is_complex and path.sub is not None:
        container = doc if path.extension is None else doc.get(path.extension) or {}
        items = container.get(path.attr.name) or []
        primary = [i.get(path.sub.name) for i in items if isinstance(i, dict) and i.get("primary") is True]
        values = [v for v in primary if v is not None] or values
    if not values:
        return MISSING
    value = values[0]
    if path.target.type == "dateTime" and isinstance(value, str):
        value = parse_datetime(value) or value
    if isinstance(value, str) and not path.target.case_exact:
        value = value.lower()
    return (0, value)


def sort_keyed(items: list[tuple[SortKey, T]], descending: bool) -> list[T]:
    """Stable sort on precomputed keys, missing values last in either order."""
    present = [item for item in items if item[0][0] == 0]
    missing = [item[1] for item in items if item[0][0] == 1]
    try:
        present.sort(key=lambda item: item[0][1], reverse=descending)
    except TypeError:  # values of different types under one name (different resource types)
        present.sort(key=lambda item: str(item[0][1]), reverse=descending)
    return [value for _, value in present] + missing


def sort_documents(docs: list[dict[str, Any]], path: Path, descending: bool) -> list[dict[str, Any]]:
    """``docs`` sorted by ``path``."""
    return sort_keyed([(sort_key(doc, path), doc) for doc in docs], descending)
