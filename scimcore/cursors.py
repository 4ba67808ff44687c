"""Opaque cursors for cursor-based paging (RFC 9865).

A cursor carries the store's position (see :class:`~scimcore.store.port.Query`) and is bound to the query it
was issued for (resource type, filter, sort) by an HMAC, so a client cannot forge positions or reuse a cursor
with another query: either is answered 400 ``invalidCursor``.  Cursors do not expire; they name a position,
not a snapshot, so a page reflects the data as it is when asked for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from scimcore.errors import InvalidCursor


class CursorCodec:
    """Issues and opens cursors signed with ``secret`` (share it between servers behind one load balancer)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, position: str, scope: str) -> bytes:
        return hmac.new(self._secret, f"{scope}\x1e{position}".encode(), hashlib.sha256).digest()[:12]

    def issue(self, position: str, scope: str) -> str:
        """The cursor for ``position`` under the query ``scope``."""
        raw = self._mac(position, scope) + position.encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def open(self, cursor: str, scope: str) -> str:
        """The store position inside ``cursor``; ``""`` (the first page) for an empty cursor."""
        if cursor == "":
            return ""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            position = raw[12:].decode()
        except (ValueError, UnicodeDecodeError):
            raise InvalidCursor("The cursor is malformed.") from None
        if len(raw) <= 12 or not hmac.compare_digest(raw[:12], self._mac(position, scope)):
            raise InvalidCursor("The cursor was not issued by this service for this query.")
        return position
