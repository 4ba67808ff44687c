"""Export and import of one directory's resources as JSON lines, for backup and migration between stores.

The format is one JSON object per line, in UTF-8::

    {"format": "scimcore-export", "version": 1, "directory": "<id>", "counts": {"User": 2, "Group": 1}}
    {"userName": "bjensen", "id": "2819c223-...", "meta": {"resourceType": "User", "created": ..., ...}}
    ...every user, then every group with its ``members``, then any other registered resource type...

Each resource line is the canonical document exactly as the store keeps it: ids, ``meta`` (created,
lastModified, version) and memberships come back unchanged on import, and a ``password`` stays a salted hash.
Import writes through the store port directly, not through the SCIM service, so it emits no events: it
restores a directory, it does not provision one.  It refuses a directory that already holds resources.

Does: read and write documents through :class:`~scimcore.store.port.Store`.  Does not: open files, print,
or know about the command line (``scimcore export`` / ``scimcore import`` in :mod:`scimcore.cli` do).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scimcore.errors import ScimError
from scimcore.schema.registry import ResourceTypeDef, SchemaRegistry
from scimcore.store.port import DEFAULT_DIRECTORY, Document, Query, Store

FORMAT = "scimcore-export"
VERSION = 1
PAGE_SIZE = 500

Progress = Callable[[int], None]
"""Called with the number of resources just handled (for a progress bar)."""


class TransferError(ValueError):
    """The input is not a scimcore export, or the target directory cannot receive it."""


class IncompleteImport(TransferError):
    """The export held fewer resources than its header announces: it was cut short (``result`` has what was read)."""

    def __init__(self, message: str, result: ImportResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How many resources of each type an import created."""

    directory: str
    counts: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)


def ordered_types(registry: SchemaRegistry) -> list[ResourceTypeDef]:
    """The resource types in export order: User, then Group (whose members name users), then the rest."""
    rank = {"User": 0, "Group": 1}
    return sorted(registry.resource_types, key=lambda t: (rank.get(t.name, 2), t.name))


def count_resources(store: Store, directory: str, registry: SchemaRegistry) -> dict[str, int]:
    """The number of resources of each type in ``directory``."""
    return {
        rtype.name: store.search(rtype, Query(count=0), directory=directory).total for rtype in ordered_types(registry)
    }


def export_header(directory: str, counts: dict[str, int]) -> dict[str, Any]:
    """The first line of an export."""
    return {"format": FORMAT, "version": VERSION, "directory": directory, "counts": counts}


def export_documents(
    store: Store,
    directory: str = DEFAULT_DIRECTORY,
    *,
    registry: SchemaRegistry | None = None,
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
) -> Iterator[Document]:
    """Every resource of ``directory``, users first, then groups with their members, read page by page."""
    registry = registry or SchemaRegistry.default()
    for rtype in ordered_types(registry):
        start = 1
        while True:
            page = store.search(rtype, Query(start_index=start, count=page_size), directory=directory)
            for doc in page.resources:
                meta = doc.setdefault("meta", {})
                meta.setdefault("resourceType", rtype.name)
                yield doc
            if progress is not None and page.resources:
                progress(len(page.resources))
            start += len(page.resources)
            if not page.resources or start > page.total:
                break


def export_lines(
    store: Store,
    directory: str = DEFAULT_DIRECTORY,
    *,
    registry: SchemaRegistry | None = None,
    progress: Progress | None = None,
) -> Iterator[str]:
    """The export of ``directory`` as JSON lines (each ending in a newline), the header first."""
    registry = registry or SchemaRegistry.default()
    yield _line(export_header(directory, count_resources(store, directory, registry)))
    for doc in export_documents(store, directory, registry=registry, progress=progress):
        yield _line(doc)


def read_header(line: str) -> dict[str, Any]:
    """The parsed header line of an export; :class:`TransferError` if it is not one this version reads."""
    try:
        header = json.loads(line)
    except ValueError:
        raise TransferError("line 1 is not JSON: not a scimcore export") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError(f'line 1 is not a scimcore export header ({{"format": "{FORMAT}", ...}})')
    if header.get("version") != VERSION:
        raise TransferError(f"export format version {header.get('version')!r} is not supported (expected {VERSION})")
    counts = header.get("counts", {})
    if not isinstance(counts, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0 for k, v in counts.items()
    ):
        raise TransferError("line 1: 'counts' must map resource types to non-negative whole numbers")
    return header


def ensure_empty(store: Store, directory: str, registry: SchemaRegistry | None = None) -> None:
    """Raise :class:`TransferError` unless ``directory`` holds no resources (import never merges)."""
    counts = count_resources(store, directory, registry or SchemaRegistry.default())
    existing = {name: n for name, n in counts.items() if n}
    if existing:
        held = ", ".join(f"{n} {name}" for name, n in existing.items())
        raise TransferError(f"directory {directory!r} already holds {held}: import only into an empty or new directory")


def import_lines(
    store: Store,
    lines: Iterable[str],
    directory: str = DEFAULT_DIRECTORY,
    *,
    registry: SchemaRegistry | None = None,
    progress: Progress | None = None,
    allow_partial: bool = False,
) -> ImportResult:
    """Create every resource of an export in ``directory``, which must hold no resources yet.

    ``lines`` is the export, header first.  Documents are created as they are, with their ids and ``meta``;
    :class:`TransferError` names the line of anything malformed.  A resource already created stays when a
    later line fails, so import into a fresh directory and start again after fixing the input.  When fewer
    resources were read than the header announces (a truncated file), :class:`IncompleteImport` says so,
    unless ``allow_partial`` accepts what was read.
    """
    registry = registry or SchemaRegistry.default()
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        raise TransferError("the input is empty: not a scimcore export")
    expected: dict[str, int] = dict(read_header(first).get("counts", {}))
    ensure_empty(store, directory, registry)
    counts: dict[str, int] = {}
    for number, line in enumerate(iterator, start=2):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            raise TransferError(f"line {number} is not JSON") from None
        rtype = _resource_type(doc, number, registry)
        try:
            store.create(rtype, doc, directory=directory)
        except ScimError as exc:
            raise TransferError(f"line {number}: {exc.detail}") from None
        counts[rtype.name] = counts.get(rtype.name, 0) + 1
        if progress is not None:
            progress(1)
    result = ImportResult(directory, counts, expected)
    short = {name: n for name, n in expected.items() if counts.get(name, 0) < n}
    if short and not allow_partial:
        announced = ", ".join(f"{n} {name}" for name, n in expected.items())
        read = ", ".join(f"{counts.get(name, 0)} {name}" for name in expected)
        raise IncompleteImport(
            f"the export's header announces {announced} but only {read} were read: the file is incomplete. "
            f"What was read is now in directory {directory!r}; import a complete export into a new directory, "
            "or accept what was read with --allow-partial",
            result,
        )
    return result


def _resource_type(doc: Any, number: int, registry: SchemaRegistry) -> ResourceTypeDef:
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) or not isinstance(doc.get("meta"), dict):
        raise TransferError(f"line {number} is not a resource with an 'id' and a 'meta'")
    name = doc["meta"].get("resourceType")
    rtype = registry.find_resource_type(name) if isinstance(name, str) else None
    if rtype is None:
        raise TransferError(f"line {number}: unknown meta.resourceType {name!r}")
    return rtype


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"
