"""Turning request JSON into canonical resource documents, driven by compiled schema metadata.

A canonical document is a plain ``dict``: attribute names spelt as their schema spells them, extension
attributes nested under their schema URN, no ``null`` values, booleans as booleans, multi-valued attributes
as lists.  The store keeps canonical documents; the PATCH engine and the renderer work on them.

Accepted on input because the RFC allows it: attribute names in any case (RFC 7643 §2.1), ``null`` as
"unassigned" (RFC 7643 §2.5), and URN-qualified attribute paths as top-level keys.  Accepted because identity
providers send it, through the named functions of :mod:`scimcore.compat` that the code below calls:
``"True"``/``"False"`` for booleans, ``null`` inside complex values, one value where a list belongs and a
one-element list where one value belongs, a bare id for a complex value, ``{"value": ""}`` for no value,
schema URIs that are not declared extensions, keys of undeclared extensions, and any e-mail address syntax
(``user@corp.local``).  Rejected with a SCIM error naming the attribute: values of the wrong type, and changes
to readOnly or immutable attributes where the caller asks for that check.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scimcore import compat
from scimcore.errors import InvalidSyntax, InvalidValue
from scimcore.schema.folding import fold, folds
from scimcore.schema.registry import AttributeDef, ResourceTypeDef

IGNORED_ON_INPUT = frozenset({"schemas", "id", "meta"})



def parse_datetime(text: str) -> datetime | None:
    """Parse an xsd:dateTime (RFC 7643 §2.3.5); values without a zone are read as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)

def label(attr: AttributeDef, extension: str | None = None) -> str:
    """The attribute's path for error messages (``name.givenName``, ``urn:...:User:manager``)."""
    return f"{extension}:{attr.path}" if extension else attr.path


def coerce_scalar(attr: AttributeDef, value: Any, where: str) -> Any:
    """Check (and where unambiguous convert) one simple value for ``attr`` (RFC 7643 §2.3)."""
    kind = attr.type
    if kind == "boolean":
        value = compat.booleans_sent_as_strings(value)
        if isinstance(value, bool):
            return value
        raise InvalidValue(f"Attribute '{where}' must be a boolean, got {_show(value)}.")
    if kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise InvalidValue(f"Attribute '{where}' must be an integer, got {_show(value)}.")
    if kind == "decimal":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise InvalidValue(f"Attribute '{where}' must be a decimal number, got {_show(value)}.")
    if kind == "complex":
        raise InvalidValue(f"Attribute '{where}' is complex and must be a JSON object, got {_show(value)}.")
    if not isinstance(value, str):
        if kind == "string" and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise InvalidValue(f"Attribute '{where}' must be a string, got {_show(value)}.")
    if kind == "dateTime" and parse_datetime(value) is None:
        raise InvalidValue(f"Attribute '{where}' must be an xsd:dateTime, got {_show(value)}.")
    if kind == "binary":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidValue(f"Attribute '{where}' must be base64-encoded binary.") from None
    return value


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def coerce_complex(attr: AttributeDef, value: Any, where: str) -> dict[str, Any] | None:
    """Canonicalise one complex value: sub-attribute names fixed, unknown ones dropped, nulls removed."""
    if attr.sub("value") is not None:
        value = compat.complex_value_sent_as_bare_id(value)
    if not isinstance(value, Mapping):
        raise InvalidValue(f"Attribute '{where}' must be a JSON object, got {_show(value)}.")
    out: dict[str, Any] = {}
    for key, sub_value in compat.nulls_sent_for_absent(value).items():
        sub = attr.sub(key)
        if sub is None:
            continue
        out[sub.name] = coerce_scalar(sub, sub_value, f"{where}.{sub.name}")
    return out or None


def coerce_attribute(attr: AttributeDef, value: Any, where: str) -> Any:
    """Canonicalise a whole attribute value (plural or singular); ``None`` when nothing is left.

    ``null`` and an empty list are no value (RFC 7643 §2.5); so is a single complex value whose ``value`` is
    ``""`` (:func:`scimcore.compat.empty_value_removes_complex`).
    """
    if value is None:
        return None
    if attr.multi_valued:
        items = compat.single_value_sent_for_list(value)
        out = []
        for index, item in enumerate(items):
            if item is None:
                continue
            at = f"{where}[{index}]"
            coerced = coerce_complex(attr, item, at) if attr.is_complex else coerce_scalar(attr, item, at)
            if coerced is not None and coerced not in out:
                out.append(coerced)
        return out or None
    if isinstance(value, list):
        if not value:
            return None
        if len(value) > 1:
            raise InvalidValue(f"Attribute '{where}' is single-valued, got a list of {len(value)} values.")
        value = compat.single_value_sent_as_list(value)
    if attr.is_complex:
        return compat.empty_value_removes_complex(coerce_complex(attr, value, where))
    return coerce_scalar(attr, value, where)


def _apply_key(
    rtype: ResourceTypeDef, doc: dict[str, Any], key: str, value: Any, skip_readonly: bool
) -> None:
    """Place ``key: value`` of a request body into ``doc``; ``key`` may be a URN-qualified path."""
    if key in IGNORED_ON_INPUT or key.lower() in IGNORED_ON_INPUT:
        return
    split = rtype.split_urn(key) if key[:4].lower() == "urn:" else None
    if split is not None:
        schema, rest = split
        if not rest:
            if schema.id == rtype.schema.id:
                if isinstance(value, Mapping):
                    for sub_key, sub_value in value.items():
                        _apply_key(rtype, doc, sub_key, sub_value, skip_readonly)
                return
            if value is None:
                return
            if not isinstance(value, Mapping):
                raise InvalidValue(f"Extension '{schema.id}' must be a JSON object.")
            for sub_key, sub_value in value.items():
                _place(doc, schema.id, schema.attr(sub_key), sub_key, sub_value, skip_readonly, rtype)
            return
        name, _, sub = rest.partition(".")
        extension = None if schema.id == rtype.schema.id else schema.id
        attr = rtype.attr(name) if extension is None else schema.attr(name)
        if sub and attr is not None:
            value = {sub: value}
        _place(doc, extension, attr, rest, value, skip_readonly, rtype)
        return
    if compat.undeclared_extension_attribute_sent(key):
        return
    name, dot, sub = key.partition(".")
    attr = rtype.attr(name)
    if dot and attr is not None and attr.is_complex:
        value = {sub: value}
    _place(doc, None, attr, key, value, skip_readonly, rtype)


def _place(
    doc: dict[str, Any],
    extension: str | None,
    attr: AttributeDef | None,
    key: str,
    value: Any,
    skip_readonly: bool,
    rtype: ResourceTypeDef,
) -> None:
    if attr is None or value is None:
        return  # unknown attributes are ignored (RFC 7644 §3.3 lets the service provider drop them)
    if skip_readonly and attr.mutability == "readOnly":
        return
    where = label(attr, extension)
    coerced = coerce_attribute(attr, value, where)
    container = doc if extension is None else doc.setdefault(extension, {})
    if coerced is None:
        return
    existing = container.get(attr.name)
    if attr.is_complex and not attr.multi_valued and isinstance(existing, dict):
        existing.update(coerced)
    else:
        container[attr.name] = coerced


def normalise_resource(rtype: ResourceTypeDef, body: Any) -> dict[str, Any]:
    """Turn a POST/PUT body into a canonical document (RFC 7644 §3.3, §3.5.1).

    readOnly attributes (``id``, ``meta``, ``groups``) are ignored; required attributes are checked by
    :func:`check_required`, immutability by the service against the stored document.
    """
    if not isinstance(body, Mapping):
        raise InvalidSyntax("The request body must be a JSON object.")
    schemas = body.get("schemas")
    if schemas is not None and (
        not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas)
    ):
        raise InvalidSyntax("'schemas' must be a list of schema URIs.")
    if schemas is not None:
        declared = [rtype.schema.id, *(schema.id for schema, _ in rtype.extensions.values())]
        listed = compat.undeclared_schemas_listed(schemas, declared)
        if not any(s.lower() == rtype.schema.id.lower() for s in listed):
            raise InvalidValue(f"'schemas' must contain '{rtype.schema.id}' for a {rtype.name}.")
    doc: dict[str, Any] = {}
    for key, value in body.items():
        if not isinstance(key, str):
            continue
        _apply_key(rtype, doc, key, value, skip_readonly=True)
    for urn in [k for k, v in doc.items() if k.startswith("urn:") and not v]:
        del doc[urn]
    return doc


def check_required(rtype: ResourceTypeDef, doc: Mapping[str, Any]) -> None:
    """Every ``required`` top-level attribute of the core schema and required extensions is present."""
    for attr in rtype.schema.attributes.values():
        if attr.required and attr.mutability != "readOnly" and doc.get(attr.name) in (None, "", [], {}):
            raise InvalidValue(f"Attribute '{attr.name}' is required.")
    for schema, required in rtype.extensions.values():
        ext = doc.get(schema.id) or {}
        if required and not ext:
            raise InvalidValue(f"Extension '{schema.id}' is required.")
        if ext:
            for attr in schema.attributes.values():
                if attr.required and attr.mutability != "readOnly" and ext.get(attr.name) in (None, "", [], {}):
                    raise InvalidValue(f"Attribute '{schema.id}:{attr.name}' is required.")


INDEXED_VALUE_MAX_BYTES = 2048
"""The longest value, in UTF-8 bytes, of an attribute every store indexes (see :func:`indexed_attributes`).

The same on every store, so that memory, SQLite and PostgreSQL accept and refuse the same input; PostgreSQL's
B-tree indexes hold at most about 2,700 bytes a key.  Identity providers send far less: an Entra
userPrincipalName is at most 113 characters, an Okta login 100.
"""


def indexed_attributes(rtype: ResourceTypeDef) -> tuple[AttributeDef, ...]:
    """The top-level string attributes that stores index (:attr:`ResourceTypeDef.indexed`).

    The unique ones (``userName``, ``displayName`` of groups) and the common attribute ``externalId``
    (RFC 7643 §3.1), which identity providers match on.
    """
    return rtype.indexed


def check_indexed_lengths(rtype: ResourceTypeDef, doc: Mapping[str, Any]) -> None:
    """Refuse a value of an indexed attribute longer than :data:`INDEXED_VALUE_MAX_BYTES` (invalidValue).

    A folding attribute (:mod:`scimcore.schema.folding`) is indexed by its folded key, which can be longer
    than the value (``ß`` folds to ``ss``, a ligature to its letters): both must fit.
    """
    for attr in rtype.indexed:
        value = doc.get(attr.name)
        if not isinstance(value, str) or (value.isascii() and len(value) <= INDEXED_VALUE_MAX_BYTES):
            continue  # ASCII folds to as many bytes as it has
        size = len(value.encode("utf-8"))
        if folds(attr) and size <= INDEXED_VALUE_MAX_BYTES:
            size = max(size, len(fold(value).encode("utf-8")))
        if size > INDEXED_VALUE_MAX_BYTES:
            raise InvalidValue(
                f"Attribute '{attr.name}' is {size} bytes long in UTF-8 (folded, for comparison, where longer); "
                f"this service provider keeps at most {INDEXED_VALUE_MAX_BYTES} bytes for it."
            )


def schemas_of(rtype: ResourceTypeDef, doc: Mapping[str, Any]) -> list[str]:
    """The ``schemas`` list of a document: the core schema and every extension it carries."""
    out = [rtype.schema.id]
    for schema, _ in rtype.extensions.values():
        if doc.get(schema.id):
            out.append(schema.id)
    return out


def canonical_key(rtype: ResourceTypeDef, key: str) -> str | None:
    """The canonical spelling of a top-level key (attribute or extension URN), or ``None`` if unknown."""
    attr = rtype.attr(key)
    if attr is not None:
        return attr.name
    ext = rtype.extension(key)
    return ext.id if ext else None


def json_copy(value: Any) -> Any:
    """A deep copy of a JSON-shaped value (dicts, lists, scalars), several times faster than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: json_copy(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) if isinstance(v, dict | list) else v for v in value]
    return value
