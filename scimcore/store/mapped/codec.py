"""A canonical document (RFC 7643, :mod:`scimcore.schema.documents`) split onto mapped rows, and put back together.

:func:`split` turns a document into the column values of the resource's row, the rows of its child tables,
its members and what goes to the overflow column; a value with no place and no overflow is refused with
:class:`~scimcore.errors.InvalidValue` naming the attribute, so nothing is ever dropped silently.
:func:`join` rebuilds the document from the same pieces: a ``NULL`` column is an absent attribute (canonical
documents carry no nulls), and overflow values are merged back where they came from.

Owns: that translation, the converters' use and the folded unique key.
Must not: run SQL (the store passes rows in and takes values out).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column

from scimcore.errors import InvalidValue
from scimcore.schema.folding import fold, folds
from scimcore.store.mapped.mapping import ChildPlace, CompiledMap, JsonPlace, Key, ScalarPlace
from scimcore.store.ports import Document

MEMBERS = "members"


@dataclass
class Split:
    """A document's pieces: the row's values, child rows per attribute, members, and the overflow."""

    values: dict[Column[Any], Any]
    children: dict[Key, list[dict[Column[Any], Any]]] = field(default_factory=dict)
    members: list[Mapping[str, Any]] | None = None


def _label(ext: str | None, *names: str) -> str:
    text = ".".join(names)
    return f"{ext}:{text}" if ext else text


def _nowhere(cmap: CompiledMap, ext: str | None, *names: str) -> InvalidValue:
    return InvalidValue(
        f"Attribute '{_label(ext, *names)}' has no place in this application's {cmap.rtype.name} table "
        f"'{cmap.table.name}': the mapping gives it no column and there is no overflow column."
    )


def _dump(place: ScalarPlace, value: Any) -> Any:
    return place.dump(value) if place.dump is not None else value


def _load(place: ScalarPlace, value: Any) -> Any:
    if value is None:
        return None
    return place.load(value) if place.load is not None else value


def split(cmap: CompiledMap, doc: Document) -> Split:
    """The values and rows ``doc`` becomes; :class:`InvalidValue` for an attribute the mapping cannot hold."""
    meta = doc["meta"]
    values: dict[Column[Any], Any] = {
        cmap.id: doc["id"],
        cmap.version: meta["version"],
        cmap.created: meta["created"],
        cmap.last_modified: meta["lastModified"],
    }
    for place in cmap.whole.values():
        if isinstance(place, ScalarPlace | JsonPlace):
            values[place.column] = None  # absent unless the document says otherwise (a replace clears it)
    for places in cmap.subs.values():
        for sub_place in places.values():
            values[sub_place.column] = None
    out = Split(values)
    overflow: dict[str, Any] = {}
    rtype = cmap.rtype
    for key, value in doc.items():
        if key in ("id", "meta"):
            continue
        if key == MEMBERS and cmap.members is not None:
            out.members = list(value or [])
            continue
        extension = rtype.extension(key) if key.lower().startswith("urn:") else None
        if extension is not None and isinstance(value, Mapping):
            residue = {}
            for name, inner in value.items():
                attr = extension.attr(name)
                left = _place(cmap, out, extension.id, attr.name if attr else name, inner)
                if left is not None:
                    residue[name] = left
            if residue:
                overflow[key] = residue
            continue
        attr = rtype.attr(key)
        left = _place(cmap, out, None, attr.name if attr else key, value)
        if left is not None:
            overflow[key] = left
    if overflow and cmap.overflow is None:
        ext, name = _first(overflow)
        raise _nowhere(cmap, ext, *name)
    if cmap.overflow is not None:
        values[cmap.overflow] = overflow or None
    unique = cmap.unique_attr()
    if cmap.unique_key is not None and unique is not None:
        raw = doc.get(unique.name)
        values[cmap.unique_key] = None if raw is None else (fold(str(raw)) if folds(unique) else str(raw))
    return out


def _first(overflow: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    """The first attribute left over, for the error message."""
    key, value = next(iter(overflow.items()))
    if key.lower().startswith("urn:") and isinstance(value, Mapping) and value:
        inner_key, inner = next(iter(value.items()))
        names = [inner_key]
        if isinstance(inner, Mapping) and inner:
            names.append(next(iter(inner)))
        return key, names
    names = [key]
    if isinstance(value, Mapping) and value:
        names.append(next(iter(value)))
    return None, names


def _place(cmap: CompiledMap, out: Split, ext: str | None, name: str, value: Any) -> Any:
    """Put one attribute's value in its place; return what is left for the overflow (``None``: nothing)."""
    key: Key = (ext, name)
    place = cmap.whole.get(key)
    if isinstance(place, ScalarPlace):
        out.values[place.column] = _dump(place, value)
        return None
    if isinstance(place, JsonPlace):
        out.values[place.column] = copy.deepcopy(value)
        return None
    if isinstance(place, ChildPlace):
        rows = []
        for item in value if isinstance(value, list) else [value]:
            row: dict[Column[Any], Any] = {sub_place.column: None for sub_place in place.fields.values()}
            for sub, sub_value in (item.items() if isinstance(item, Mapping) else [("value", item)]):
                sub_place = place.fields.get(sub)
                if sub_place is None:
                    raise _nowhere(cmap, ext, name, sub)
                row[sub_place.column] = _dump(sub_place, sub_value)
            rows.append(row)
        out.children[key] = rows
        return None
    subs = cmap.subs.get(key)
    if subs and isinstance(value, Mapping):
        residue = {}
        for sub, sub_value in value.items():
            sub_place = subs.get(sub)
            if sub_place is None:
                residue[sub] = sub_value
            else:
                out.values[sub_place.column] = _dump(sub_place, sub_value)
        return residue or None
    return copy.deepcopy(value)


def join(
    cmap: CompiledMap,
    row: Mapping[Column[Any], Any],
    children: Mapping[Key, list[Mapping[Column[Any], Any]]],
    members: list[dict[str, Any]] | None,
) -> Document:
    """The canonical document of one row with its child rows and members (``None``: members not read)."""
    doc: Document = {"id": row[cmap.id]}
    overflow = row[cmap.overflow] if cmap.overflow is not None else None
    if isinstance(overflow, Mapping):
        for key, value in overflow.items():
            doc[key] = copy.deepcopy(value)

    def container(ext: str | None) -> dict[str, Any]:
        if ext is None:
            return doc
        found = doc.get(ext)
        if not isinstance(found, dict):
            found = doc[ext] = {}
        return found

    for key, place in cmap.whole.items():
        ext, name = key
        if isinstance(place, ScalarPlace):
            value = _load(place, row[place.column])
        elif isinstance(place, JsonPlace):
            value = copy.deepcopy(row[place.column])
        else:
            items = []
            for child in children.get(key, []):
                item = {sub: _load(sub_place, child[sub_place.column]) for sub, sub_place in place.fields.items()}
                item = {sub: v for sub, v in item.items() if v is not None}
                if item:
                    items.append(item)
            value = items or None
        if value is not None:
            container(ext)[name] = value
    for key, places in cmap.subs.items():
        ext, name = key
        parts = {sub: _load(place, row[place.column]) for sub, place in places.items()}
        parts = {sub: v for sub, v in parts.items() if v is not None}
        if parts:
            holder = container(ext)
            current = holder.get(name)
            holder[name] = {**current, **parts} if isinstance(current, dict) else parts
    for ext in [k for k, v in doc.items() if k.lower().startswith("urn:") and v == {}]:
        del doc[ext]
    if members:
        doc[MEMBERS] = members
    doc["meta"] = {
        "resourceType": cmap.rtype.name,
        "created": row[cmap.created],
        "lastModified": row[cmap.last_modified],
        "version": row[cmap.version],
    }
    return doc
