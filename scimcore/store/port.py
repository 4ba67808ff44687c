"""The resources port under its first name: everything here now lives in :mod:`scimcore.store.ports`."""

from scimcore.store.ports import (
    DEFAULT_DIRECTORY,
    DeleteEvents,
    Document,
    MemberEvents,
    MemberRef,
    Page,
    Query,
    Store,
    cursor_page,
    offset_position,
    unique_attributes,
)

__all__ = [
    "DEFAULT_DIRECTORY",
    "DeleteEvents",
    "Document",
    "MemberEvents",
    "MemberRef",
    "Page",
    "Query",
    "Store",
    "cursor_page",
    "offset_position",
    "unique_attributes",
]
