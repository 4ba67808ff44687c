"""The shared in-Python query path (scimcore.store.scan): filter, sort, page and cursors."""

from __future__ import annotations

import pytest

from scimcore.errors import InvalidCursor
from scimcore.filter.parser import parse_filter
from scimcore.schema.paths import resolve_path
from scimcore.store import scan
from scimcore.store.ports import Query
from scimcore.testing import USER, user_doc

DOCS = [
    user_doc(f"u{n}", name, title=title)
    for n, (name, title) in enumerate([("carol", "b"), ("alice", None), ("bob", "a"), ("dave", "b")])
]


def test_without_filter_every_document_in_order() -> None:
    """No filter keeps every document in the order given; total counts them all."""
    page = scan.scan(DOCS, Query())
    assert [d["id"] for d in page.resources] == ["u0", "u1", "u2", "u3"] and page.total == 4


def test_filter_keeps_what_matches() -> None:
    """The filter is evaluated on each document."""
    page = scan.scan(DOCS, Query(filter=parse_filter('title eq "b"', USER)))
    assert [d["id"] for d in page.resources] == ["u0", "u3"] and page.total == 2


def test_view_is_what_the_filter_sees() -> None:
    """A view adds values kept apart from the document for the filter only; the page keeps the document."""
    page = scan.scan(DOCS, Query(filter=parse_filter('nickName eq "x"', USER)), view=lambda d: {**d, "nickName": "x"})
    assert page.total == 4 and all("nickName" not in d for d in page.resources)


def test_sort_puts_missing_values_last() -> None:
    """Sorting by an attribute orders by it, documents without it last (RFC 7644 §3.4.2.3)."""
    path = resolve_path(USER, None, "title", None, for_filter=True)
    page = scan.scan(DOCS, Query(sort_by=path))
    assert [d["id"] for d in page.resources] == ["u2", "u0", "u3", "u1"]


def test_page_is_cut_after_counting() -> None:
    """startIndex and count cut the page; total still counts every match."""
    page = scan.scan(DOCS, Query(start_index=2, count=2))
    assert [d["id"] for d in page.resources] == ["u1", "u2"] and page.total == 4


def test_omitted_attributes_are_dropped_from_the_page() -> None:
    """Without a finish, the attributes the query omits are left out of each document."""
    page = scan.scan(DOCS, Query(omit=frozenset({"title"})))
    assert all("title" not in d for d in page.resources)


def test_unknown_cursor_position_is_invalid_cursor() -> None:
    """A cursor position no store issued is refused as invalidCursor (RFC 9865)."""
    with pytest.raises(InvalidCursor):
        scan.scan(DOCS, Query(after="not-a-position"))
