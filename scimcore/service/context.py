"""What a request handler works with: the typed request context and the runtime it may use.

Owns: :class:`RequestContext` (one request's route values, its directory and what is looked up at most once
per request) and :class:`Runtime` (the part of a :class:`~scimcore.service.ScimService` handlers may use).
Must not: hold protocol rules; handlers live in the modules named for what they do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from scimcore.cursors import CursorCodec
from scimcore.discovery import Capabilities
from scimcore.events import Subscriber
from scimcore.schema.registry import ResourceTypeDef, SchemaRegistry
from scimcore.service.config import ServiceConfig
from scimcore.store.port import MemberRef, Store
from scimcore.transport import ScimRequest, ScimResponse

if TYPE_CHECKING:
    from scimcore.directories import Directory


class Runtime(Protocol):
    """What handlers use of the service: its store, registry, settings, clock and id source."""

    store: Store
    registry: SchemaRegistry
    config: ServiceConfig
    clock: Callable[[], datetime]
    new_id: Callable[[], str]
    password_hasher: Callable[[str], str]
    emit_events: bool
    subscribers: list[Subscriber]
    capabilities: Capabilities
    cursors: CursorCodec

    def handle_operation(self, request: ScimRequest) -> ScimResponse:
        """Serve one operation of a Bulk request (RFC 7644 §3.7) through the same router."""
        ...


@dataclass(slots=True)
class RequestContext:
    """One request on its way through the router and a handler."""

    request: ScimRequest
    params: dict[str, str]
    directory: str
    rtype: ResourceTypeDef | None = None
    resource_id: str | None = None
    # The groups of a page's resources, read along with the page (RFC 7643 §4.1.2); None: ask the store.
    groups: Mapping[str, list[MemberRef]] | None = None
    # Member ids the request named that no resource of the directory has, in the order first met; the
    # service reports them in the Scimcore-Dropped-Members header.
    dropped_members: dict[str, None] = field(default_factory=dict)
    _record_read: bool = False
    _record: Directory | None = None

    @property
    def resource_type(self) -> ResourceTypeDef:
        """The resource type the route matched; only routes with ``{type}`` reach handlers that ask."""
        assert self.rtype is not None
        return self.rtype

    @property
    def id(self) -> str:
        """The ``{id}`` segment the route matched."""
        assert self.resource_id is not None
        return self.resource_id

    def directory_record(self, store: Store) -> Directory | None:
        """The addressed directory's record, read at most once per request; ``None`` when there is none."""
        if not self._record_read:
            lookup = getattr(store, "get_directory", None)
            self._record = lookup(self.directory) if callable(lookup) else None
            self._record_read = True
        return self._record
