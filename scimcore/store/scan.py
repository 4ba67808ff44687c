"""The one in-Python query path every store shares: filter, sort and page documents (RFC 7644 §3.4.2).

A store whose index or SQL cannot answer a query exactly hands its candidate documents here.  The filter is
evaluated with :func:`scimcore.filter.evaluate.compile_predicate` (the visitor the SQL compiler is held equal
to), the sort is :func:`scimcore.filter.sort.sort_documents`, and the page honours ``startIndex``, ``count``
and cursor positions as :class:`~scimcore.store.ports.Query` defines them.

Owns: that sequence and the ``invalidCursor`` answer to a position the store never issued.
Must not: read storage; the store passes documents in, and a ``view`` when the filter needs values kept
apart from the document (members, computed groups).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scimcore.errors import InvalidCursor
from scimcore.filter.evaluate import compile_predicate
from scimcore.filter.sort import sort_documents
from scimcore.store.ports import Document, Page, Query, cursor_page, offset_position

View = Callable[[Document], Document]
Finish = Callable[[list[Document]], list[Document]]


def start_of(query: Query) -> int:
    """The 0-based offset of the page; a cursor position no store issued is ``invalidCursor`` (RFC 9865 §2)."""
    try:
        return offset_position(query)
    except ValueError:
        raise InvalidCursor(f"Cursor position {query.after!r} is not one this store issued.") from None


def matching(docs: Iterable[Document], query: Query, view: View | None = None) -> list[Document]:
    """The documents ``query.filter`` matches, in their given order; ``view`` shows each to the filter."""
    if query.filter is None:
        return list(docs)
    predicate = compile_predicate(query.filter)
    if view is None:
        return [doc for doc in docs if predicate(doc)]
    return [doc for doc in docs if predicate(view(doc))]


def page_of(query: Query, docs: list[Document], finish: Finish | None = None) -> Page:
    """Sort ``docs`` (every match, in stable order), count them and cut out the page ``query`` asks for.

    ``finish`` turns the page's documents into what the store returns (leaving out ``query.omit``, joining
    members); by default the omitted attributes are dropped.
    """
    start = start_of(query)
    if query.sort_by is not None:
        docs = sort_documents(docs, query.sort_by, query.descending)
    total = len(docs)
    stop = total if query.count is None else start + max(query.count, 0)
    page = docs[start:stop]
    if finish is not None:
        page = finish(page)
    elif query.omit:
        page = [{k: v for k, v in doc.items() if k not in query.omit} for doc in page]
    return cursor_page(query, total, start, page)


def scan(docs: Iterable[Document], query: Query, view: View | None = None, finish: Finish | None = None) -> Page:
    """Filter, sort and page ``docs`` (in the store's stable order) for ``query``."""
    return page_of(query, matching(docs, query, view), finish)
