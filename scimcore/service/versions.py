"""Versions, timestamps and preconditions of resources (RFC 7644 §3.14, RFC 7643 §3.1 ``meta``).

Owns: the weak ETag scheme (``W/"<n>"``), ``meta.created`` / ``lastModified``, ``If-Match`` checks and weak
entity-tag comparison (RFC 9110 §8.8.3.2).
Must not: read or write the store; callers pass the documents in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from scimcore.errors import PreconditionFailed
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store.port import Document
from scimcore.transport import ScimRequest


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


def format_datetime(value: datetime) -> str:
    """An xsd:dateTime in UTC with milliseconds and ``Z`` (RFC 7643 §2.3.5)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def next_version(version: str | None) -> str:
    """The version after ``version``: ``W/"3"`` → ``W/"4"``; anything unreadable starts again at 1."""
    number = 0
    if version and version.startswith('W/"') and version.endswith('"'):
        try:
            number = int(version[3:-1])
        except ValueError:
            number = 0
    return f'W/"{number + 1}"'


def same_etag(given: str, current: str) -> bool:
    """Weak comparison of entity tags (RFC 9110 §8.8.3.2): ``W/"3"`` matches ``"3"``."""

    def strip(tag: str) -> str:
        return tag[2:] if tag.startswith("W/") else tag

    return strip(given.strip()) == strip(current)


def check_if_match(request: ScimRequest, doc: Document) -> str | None:
    """The client's expected version from ``If-Match`` (RFC 7644 §3.14), checked against ``doc``."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    wanted = [v.strip() for v in header.split(",")]
    current: str = doc["meta"]["version"]
    if not any(same_etag(w, current) for w in wanted):
        raise PreconditionFailed(f"The resource is at version {current}; If-Match asked for {header.strip()}.")
    return current


def none_match(request: ScimRequest, version: str) -> bool:
    """Whether ``If-None-Match`` names ``version`` or ``*``, so a GET answers 304 (RFC 7644 §3.14)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    return any(v.strip() == "*" or same_etag(v.strip(), version) for v in header.split(","))


def new_meta(
    clock: Callable[[], datetime], rtype: ResourceTypeDef, previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``meta`` of a resource written now: ``created`` kept from ``previous``, the next version."""
    now = format_datetime(clock())
    return {
        "resourceType": rtype.name,
        "created": previous["created"] if previous else now,
        "lastModified": now,
        "version": next_version(previous["version"] if previous else None),
    }


def moved_on(clock: Callable[[], datetime]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """``meta`` of a resource that just changed in the store: a new version and ``lastModified``."""

    def advance(meta: Mapping[str, Any]) -> dict[str, Any]:
        return {**meta, "lastModified": format_datetime(clock()), "version": next_version(meta.get("version"))}

    return advance
