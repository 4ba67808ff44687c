"""The PATCH engine (RFC 7644 §3.5.2): operations applied atomically to a canonical document.

:func:`apply_patch` takes the stored document and a PatchOp body and returns a new document; the stored one
is never touched, so a failing operation leaves nothing half-applied.  Operations apply in order.

Handled here because the RFC says so: ``add``/``replace``/``remove`` in any case, attribute and
sub-attribute paths, value-filter paths (``emails[type eq "work"].value``), URN-qualified paths and extension
roots, path-less values whose keys are themselves paths, ``primary`` kept unique, readOnly and immutable
attributes protected, ``remove`` without a path refused with ``noTarget``.

Handled here because identity providers send it, each through a named function of :mod:`scimcore.compat`
(docstrings there cite the vendor behaviour and the RFC rule it bends; literal payloads are in
``tests/test_compat.py`` and ``tests/idp``), applied at these points:

- :func:`parse_operations`: capitalised ops (:func:`~scimcore.compat.op_sent_capitalised`);
- a path-less operation: nulls skipped, the resource's own ``id`` dropped, every key read as a path, keys of
  undeclared extensions ignored (``nulls_sent_for_absent``, ``own_id_in_pathless_value``,
  ``pathless_value_keys_sent_as_paths``, ``undeclared_extension_attribute_sent``);
- ``remove`` with a value: only the listed values go (``members_removed_by_value_list``);
- a filtered ``add``/``replace`` matching nothing: the value is created from the filter's ``eq`` terms
  (``missing_value_created_from_filter``);
- a single-valued complex attribute (the enterprise ``manager``): ``{"value": x}`` on the ``.value`` path,
  ``""`` as removal, and no stale ``$ref`` after a new ``value`` (``value_object_sent_for_value_path``,
  ``empty_value_removes_complex``, ``manager_changed_by_value_alone``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimcore import compat, urns
from scimcore.errors import InvalidPath, InvalidSyntax, InvalidValue, Mutability, NoTarget
from scimcore.filter.ast import Compare
from scimcore.filter.evaluate import compile_item_predicate
from scimcore.filter.parser import parse_value_filter
from scimcore.schema import paths
from scimcore.schema.documents import coerce_attribute, coerce_complex, coerce_scalar, json_copy, label
from scimcore.schema.paths import PatchPath
from scimcore.schema.registry import AttributeDef, ResourceTypeDef

PATCH_OP_URN = urns.PATCH_OP
OPS = frozenset({"add", "replace", "remove"})


def parse_patch_path(rtype: ResourceTypeDef, text: str) -> PatchPath:
    """Parse a PATCH ``path`` (RFC 7644 §3.5.2), its value filter read by the filter parser."""
    return paths.parse_patch_path(rtype, text, parse_value_filter)


def _same_item(attr: AttributeDef, a: Any, b: Any) -> bool:
    """Two values of a multi-valued attribute are one: equal, or equal ``value`` (and compatible ``type``)."""
    if a == b:
        return True
    if not (attr.is_complex and isinstance(a, Mapping) and isinstance(b, Mapping)):
        return False
    value_def = attr.sub("value")
    va, vb = a.get("value"), b.get("value")
    if value_def is None or va is None or vb is None:
        return False
    if isinstance(va, str) and isinstance(vb, str) and not value_def.case_exact:
        va, vb = va.lower(), vb.lower()
    if va != vb:
        return False
    ta, tb = a.get("type"), b.get("type")
    return ta is None or tb is None or ta == tb


class _Patcher:
    def __init__(self, rtype: ResourceTypeDef, original: Mapping[str, Any]) -> None:
        self.rtype = rtype
        self.original = original  # never modified: every change goes to the copy below
        self.doc: dict[str, Any] = json_copy(dict(original))

    def container(self, extension: str | None, create: bool) -> dict[str, Any] | None:
        if extension is None:
            return self.doc
        found = self.doc.get(extension)
        if found is None and create:
            found = self.doc[extension] = {}
        return found

    def check_mutable(self, path: PatchPath, attr: AttributeDef, sub: AttributeDef | None) -> None:
        where = label(attr, path.extension)
        if attr.mutability == "readOnly" or (sub is not None and sub.mutability == "readOnly"):
            raise Mutability(f"Attribute '{where}' is readOnly and cannot be modified.")
        if attr.mutability == "immutable":
            container = self.container(path.extension, False) or {}
            original = (self.original if path.extension is None else self.original.get(path.extension) or {})
            if original.get(attr.name) is not None and container.get(attr.name) is not None:
                raise Mutability(f"Attribute '{where}' is immutable and already has a value.")

    # -- operations ---------------------------------------------------------------------------------
    def apply(self, op: str, path: PatchPath | None, value: Any) -> None:
        if path is None:
            if op == "remove":
                raise NoTarget("A 'remove' operation needs a 'path'.")
            self.apply_pathless(op, value)
            return
        if path.attr is None:
            self.apply_root(op, path, value)
            return
        attr = path.attr
        self.check_mutable(path, attr, path.sub)
        if path.filter is not None:
            self.apply_filtered(op, path, attr, value)
        elif path.sub is not None:
            self.apply_sub(op, path, attr, path.sub, value)
        else:
            self.apply_attr(op, path, attr, value)
        container = self.container(path.extension, False)
        if path.extension is not None and container is not None and not container:
            del self.doc[path.extension]

    def apply_pathless(self, op: str, value: Any) -> None:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"A '{op}' without 'path' needs a JSON object as 'value'.")
        value = compat.own_id_in_pathless_value(value, self.doc.get("id"))
        present = compat.nulls_sent_for_absent(value)
        for operation in compat.pathless_value_keys_sent_as_paths(op, value):
            key = operation["path"]
            if key.lower() in ("schemas", "meta"):
                continue
            try:
                path = parse_patch_path(self.rtype, key)
            except InvalidPath:
                if compat.undeclared_extension_attribute_sent(key):
                    continue
                raise
            if key in present:  # a null is "not sent", checked after its path like any other key
                self.apply(operation["op"], path, operation["value"])

    def apply_root(self, op: str, path: PatchPath, value: Any) -> None:
        if op == "remove":
            if path.extension is None:
                raise NoTarget("The core schema of a resource cannot be removed.")
            self.doc.pop(path.extension, None)
            return
        if not isinstance(value, Mapping):
            raise InvalidValue(f"The value for '{path.text}' must be a JSON object.")
        prefix = f"{path.extension}:" if path.extension else ""
        self.apply_pathless(op, {f"{prefix}{key}" if not key.lower().startswith("urn:") else key: v
                                 for key, v in value.items() if isinstance(key, str)})

    def apply_attr(self, op: str, path: PatchPath, attr: AttributeDef, value: Any) -> None:
        where = label(attr, path.extension)
        container = self.container(path.extension, op != "remove")
        if op == "remove":
            if container is None:
                return
            if attr.multi_valued and value is not None and isinstance(container.get(attr.name), list):
                gone = coerce_attribute(attr, value, where) or []
                kept = compat.members_removed_by_value_list(
                    container[attr.name], gone, lambda a, b: _same_item(attr, a, b)
                )
                if kept:
                    container[attr.name] = kept
                else:
                    container.pop(attr.name, None)
                return
            container.pop(attr.name, None)
            return
        assert container is not None
        coerced = coerce_attribute(attr, value, where)
        if coerced is None:
            if op == "replace":
                container.pop(attr.name, None)
            return
        if attr.multi_valued:
            if op == "replace":
                container[attr.name] = coerced
                self.unique_primary(attr, container, coerced)
                return
            current: list[Any] = list(container.get(attr.name) or [])
            for item in coerced:
                for index, existing in enumerate(current):
                    if _same_item(attr, existing, item):
                        if isinstance(existing, dict) and isinstance(item, dict):
                            current[index] = {**existing, **item}
                        break
                else:
                    current.append(item)
            container[attr.name] = current
            self.unique_primary(attr, container, coerced)
            return
        if attr.is_complex and isinstance(container.get(attr.name), dict):
            # RFC 7644 §3.5.2.1 and §3.5.2.3: sub-attributes not given are left unchanged.
            survivors = compat.manager_changed_by_value_alone(container[attr.name], coerced)
            container[attr.name] = {**survivors, **coerced}
            return
        container[attr.name] = coerced

    def apply_sub(self, op: str, path: PatchPath, attr: AttributeDef, sub: AttributeDef, value: Any) -> None:
        where = f"{label(attr, path.extension)}.{sub.name}"
        container = self.container(path.extension, op != "remove")
        if container is None:
            return
        current = container.get(attr.name)
        if op == "remove":
            targets = current if isinstance(current, list) else [current] if isinstance(current, dict) else []
            for item in targets:
                item.pop(sub.name, None)
            self.drop_empty(container, attr)
            return
        if value is None:
            if op == "replace":
                self.apply_sub("remove", path, attr, sub, None)
            return
        if attr.is_complex and attr.sub("value") is sub and isinstance(value, Mapping):
            value = compat.value_object_sent_for_value_path(value)
        coerced = coerce_scalar(sub, value, where)
        if attr.multi_valued:
            items = current if isinstance(current, list) else []
            if not items:
                container[attr.name] = [{sub.name: coerced}]
            for item in items:
                item[sub.name] = coerced
            return
        if attr.sub("value") is sub and compat.empty_value_removes_complex({sub.name: coerced}) is None:
            container.pop(attr.name, None)
        elif isinstance(current, dict):
            container[attr.name] = {
                **compat.manager_changed_by_value_alone(current, {sub.name: coerced}),
                sub.name: coerced,
            }
        else:
            container[attr.name] = {sub.name: coerced}

    def apply_filtered(self, op: str, path: PatchPath, attr: AttributeDef, value: Any) -> None:
        assert path.filter is not None
        matches = compile_item_predicate(path.filter)
        container = self.container(path.extension, op != "remove")
        if container is None:
            return
        items: list[Any] = list(container.get(attr.name) or [])
        hits = [i for i, item in enumerate(items) if isinstance(item, Mapping) and matches(item)]
        where = label(attr, path.extension)
        sub = path.sub
        if op == "remove":
            if sub is not None:
                for i in hits:
                    items[i].pop(sub.name, None)
                items = [item for item in items if item]
            else:
                items = [item for i, item in enumerate(items) if i not in hits]
            if items:
                container[attr.name] = items
            else:
                container.pop(attr.name, None)
            return
        if value is None:
            return
        if not hits:
            terms = compat.missing_value_created_from_filter(path.filter)
            if terms is None:
                raise NoTarget(f"No value of '{where}' matches the filter in path '{path.text}'.")
            seed = coerce_complex(attr, terms, where) or {}
            new = {**seed, sub.name: coerce_scalar(sub, value, f"{where}.{sub.name}")} if sub else {
                **seed,
                **(coerce_complex(attr, value, where) or {}),
            }
            items.append(new)
            container[attr.name] = items
            self.unique_primary(attr, container, [new])
            return
        touched = []
        for i in hits:
            if sub is not None:
                items[i] = {**items[i], sub.name: coerce_scalar(sub, value, f"{where}.{sub.name}")}
            else:
                replacement = coerce_complex(attr, value, where) or {}
                items[i] = {**items[i], **replacement} if op == "add" else replacement
            touched.append(items[i])
        container[attr.name] = [item for item in items if item]
        self.unique_primary(attr, container, touched)

    # -- invariants ---------------------------------------------------------------------------------
    @staticmethod
    def unique_primary(attr: AttributeDef, container: dict[str, Any], touched: list[Any]) -> None:
        """RFC 7643 §2.4: ``primary: true`` appears at most once; the value just written wins."""
        if attr.sub("primary") is None:
            return
        chosen = next((t for t in reversed(touched) if isinstance(t, dict) and t.get("primary") is True), None)
        items = container.get(attr.name) or []
        if chosen is None:
            first = [i for i in items if isinstance(i, dict) and i.get("primary") is True]
            if len(first) <= 1:
                return
            chosen = first[-1]
        for item in items:
            if item is not chosen and isinstance(item, dict) and item.get("primary") is True:
                item["primary"] = False

    @staticmethod
    def drop_empty(container: dict[str, Any], attr: AttributeDef) -> None:
        current = container.get(attr.name)
        if isinstance(current, list):
            kept = [item for item in current if item]
            if kept:
                container[attr.name] = kept
            else:
                container.pop(attr.name, None)
        elif isinstance(current, dict) and not current:
            container.pop(attr.name, None)


def parse_operations(body: Any) -> list[tuple[str, str | None, Any]]:
    """Check a PatchOp message (RFC 7644 §3.5.2) and return its operations as ``(op, path, value)``."""
    if not isinstance(body, Mapping):
        raise InvalidSyntax("The PATCH body must be a JSON object.")
    schemas = compat.patch_schemas_omitted(body.get("schemas"))
    if not isinstance(schemas, list) or PATCH_OP_URN.lower() not in [str(s).lower() for s in schemas]:
        raise InvalidSyntax(f"The PATCH body must list '{PATCH_OP_URN}' in 'schemas'.")
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise InvalidSyntax("The PATCH body needs a non-empty 'Operations' list.")
    out: list[tuple[str, str | None, Any]] = []
    for index, operation in enumerate(operations):
        if not isinstance(operation, Mapping):
            raise InvalidSyntax(f"Operations[{index}] must be a JSON object.")
        raw_op = operation.get("op")
        op = compat.op_sent_capitalised(raw_op) if isinstance(raw_op, str) else None
        if op is None or op not in OPS:
            raise InvalidSyntax(f"Operations[{index}].op must be 'add', 'replace' or 'remove', got {raw_op!r}.")
        path = operation.get("path")
        if path is not None and not isinstance(path, str):
            raise InvalidPath(f"Operations[{index}].path must be a string.")
        out.append((op, path or None, operation.get("value")))
    return out


def apply_patch(rtype: ResourceTypeDef, doc: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """Apply a PatchOp body to a copy of ``doc`` and return the copy; ``doc`` itself is never changed."""
    operations = parse_operations(body)
    patcher = _Patcher(rtype, doc)
    for op, path_text, value in operations:
        path = parse_patch_path(rtype, path_text) if path_text is not None else None
        patcher.apply(op, path, value)
    return patcher.doc


@dataclass(frozen=True, slots=True)
class MemberDelta:
    """The net effect of a PATCH made only of member additions and removals (applied in order)."""

    add: tuple[dict[str, Any], ...]
    remove: tuple[str, ...]


def member_delta(rtype: ResourceTypeDef, body: Any) -> MemberDelta | None:
    """The member changes of a PATCH that only adds and removes individual members, else ``None``.

    Recognised, in any order and mix (RFC 7644 §3.5.2 and the identity providers' forms):
    ``add`` to ``members`` with a list of members; ``remove`` of ``members[value eq "<id>"]``; and Entra's
    ``remove`` of ``members`` with a list of members (read as
    :func:`scimcore.compat.members_removed_by_value_list` reads it).  Such a PATCH costs O(members changed) instead of a
    rewrite of the whole group.  Anything else (``replace`` of the list, a path-less value, a remove of all
    members, another attribute) returns ``None`` and goes through :func:`apply_patch`.
    """
    members_attr = rtype.attr("members")
    if members_attr is None or not members_attr.multi_valued:
        return None
    adds: dict[str, dict[str, Any]] = {}
    removes: dict[str, None] = {}
    for op, path_text, value in parse_operations(body):
        if path_text is None or op == "replace":
            return None
        path = parse_patch_path(rtype, path_text)
        if path.extension is not None or path.attr is not members_attr or path.sub is not None:
            return None
        if path.filter is not None:
            target = path.filter
            if op != "remove" or not (
                isinstance(target, Compare)
                and target.op == "eq"
                and target.path.sub is not None
                and target.path.sub.name == "value"
                and isinstance(target.value, str)
            ):
                return None
            adds.pop(target.value, None)
            removes[target.value] = None
            continue
        if value is None:
            return None  # remove of every member
        items = coerce_attribute(members_attr, value, members_attr.name) or []
        for item in items:
            member = item.get("value")
            if not isinstance(member, str) or not member:
                raise InvalidValue("Every member of 'members' needs a 'value'.")
            if op == "add":
                removes.pop(member, None)
                adds[member] = {k: v for k, v in item.items() if k != "$ref"}
            else:
                adds.pop(member, None)
                removes[member] = None
    return MemberDelta(tuple(adds.values()), tuple(removes))
