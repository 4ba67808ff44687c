"""Turning stored documents into response documents (RFC 7643 §2.4 ``returned``, RFC 7644 §3.4.2.5, §3.9).

:class:`Projection` is compiled once per request from ``attributes`` / ``excludedAttributes`` and applied to
every resource of a response.  Rendering adds what the store does not keep — ``schemas``, ``meta.location``,
``$ref`` of members and the computed ``groups`` — and removes what must never leave: ``returned: never``
attributes (``password``) above all.  This module does no I/O and never changes the document it renders;
computed values are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimcore.errors import InvalidFilter, InvalidValue
from scimcore.schema.documents import schemas_of
from scimcore.schema.paths import resolve_path, split_attr_path
from scimcore.schema.registry import AttributeDef, ResourceTypeDef

Selector = tuple[str | None, str, str | None]  # (extension URN or None, attribute, sub-attribute)


def parse_attribute_list(rtype: ResourceTypeDef, text: str, param: str) -> list[Selector]:
    """Parse a comma-separated ``attributes``/``excludedAttributes`` value (RFC 7644 §3.9)."""
    out: list[Selector] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item or item.lower() == "schemas":
            continue  # "schemas" is part of every response (RFC 7643 §3): naming it selects nothing more
        root = rtype.split_urn(item)
        if root is not None and root[1] == "":
            schema = root[0]
            if schema.id != rtype.schema.id:
                out.append((schema.id, "", None))
            continue
        try:
            urn, name, sub = split_attr_path(item)
            path = resolve_path(rtype, urn, name, sub)
        except InvalidFilter as exc:
            raise InvalidValue(f"Parameter '{param}' names {exc.detail}.") from None
        out.append((path.extension, path.attr.name, path.sub.name if path.sub else None))
    return out


@dataclass(frozen=True, slots=True)
class Projection:
    """Which attributes a response carries: ``include`` (``attributes``) or ``exclude`` (``excludedAttributes``)."""

    include: tuple[Selector, ...] | None = None
    exclude: tuple[Selector, ...] = ()

    @classmethod
    def from_params(cls, rtype: ResourceTypeDef, attributes: str | None, excluded: str | None) -> Projection:
        """Build from query or ``.search`` parameters; ``attributes`` wins if both are given."""
        if attributes:
            return cls(include=tuple(parse_attribute_list(rtype, attributes, "attributes")))
        if excluded:
            return cls(exclude=tuple(parse_attribute_list(rtype, excluded, "excludedAttributes")))
        return cls()

    def omits(self, name: str) -> bool:
        """True when core attribute ``name`` is certainly not returned (so the store need not read it)."""
        if self.include is not None:
            return not any(ext is None and attr == name for ext, attr, _ in self.include)
        return any(ext is None and attr == name and sub is None for ext, attr, sub in self.exclude)

    def wants(self, extension: str | None, attr: AttributeDef) -> bool | set[str]:
        """Whether to return ``attr``: ``True``, ``False``, or the set of sub-attribute names to keep."""
        if attr.returned == "never":
            return False
        if attr.returned == "always":
            return True
        if self.include is not None:
            subs: set[str] = set()
            for ext, name, sub in self.include:
                if ext == extension and name == "" and extension is not None:
                    return attr.returned != "request"
                if ext == extension and name == attr.name:
                    if sub is None:
                        return True
                    subs.add(sub)
            return subs or False
        if attr.returned == "request":
            return False
        removed: set[str] = set()
        for ext, name, sub in self.exclude:
            if ext == extension and name == "" and extension is not None:
                return False
            if ext == extension and name == attr.name:
                if sub is None:
                    return False
                removed.add(sub)
        if removed:
            return {s.name for s in attr.sub_attributes.values() if s.name not in removed} or False
        return True


def _project_value(attr: AttributeDef, value: Any, subs: bool | set[str]) -> Any:
    if subs is True:
        if attr.is_complex:
            return _strip_never(attr, value)
        return value
    assert isinstance(subs, set)
    if isinstance(value, list):
        kept = [{k: v for k, v in item.items() if k in subs} for item in value if isinstance(item, dict)]
        kept = [item for item in kept if item]
        return kept or None
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k in subs} or None
    return None


def _strip_never(attr: AttributeDef, value: Any) -> Any:
    never = [s.name for s in attr.sub_attributes.values() if s.returned == "never"]
    if not never:
        return value
    if isinstance(value, list):
        return [{k: v for k, v in item.items() if k not in never} for item in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in never}
    return value


def member_refs(members: list[dict[str, Any]], base_url: str, endpoints: Mapping[str, str]) -> list[dict[str, Any]]:
    """Group members with their ``$ref`` (RFC 7643 §4.2), from their ``type`` and id; ``members`` is not changed."""
    out = []
    for member in members:
        endpoint = endpoints.get(member.get("type") or "User")
        if endpoint is not None and "value" in member:
            member = {**member, "$ref": f"{base_url}{endpoint}/{member['value']}"}
        out.append(member)
    return out


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the default projection returns of a resource type, worked out once (RFC 7643 §2.4)."""

    rtype: ResourceTypeDef  # kept so the id() key below is never reused while the plan lives
    known: frozenset[str]  # core and common attributes that may be returned
    strip: frozenset[str]  # complex attributes with a ``returned: never`` sub-attribute
    extensions: Mapping[str, frozenset[str]]  # extension URN -> attribute names never returned by default


_PLANS: dict[int, _Plan] = {}


def _plan(rtype: ResourceTypeDef) -> _Plan:
    plan = _PLANS.get(id(rtype))
    if plan is None or plan.rtype is not rtype:
        attrs = list(rtype.schema.attributes.values()) + [rtype.attr(n) for n in ("id", "externalid", "meta")]
        visible = [a for a in attrs if a is not None and a.returned not in ("never", "request")]
        strip = {a.name for a in visible if any(s.returned == "never" for s in a.sub_attributes.values())}
        hidden_in_ext = {
            schema.id: frozenset(a.name for a in schema.attributes.values() if a.returned in ("never", "request"))
            for schema, _ in rtype.extensions.values()
        }
        if any(
            any(s.returned == "never" for s in a.sub_attributes.values())
            for schema, _ in rtype.extensions.values()
            for a in schema.attributes.values()
        ):
            hidden_in_ext = {}  # rare: let the general path strip sub-attributes inside extensions
        plan = _Plan(rtype, frozenset(a.name for a in visible), frozenset(strip), hidden_in_ext)
        _PLANS[id(rtype)] = plan
    return plan


def _render_default(rtype: ResourceTypeDef, source: Mapping[str, Any], base_url: str, plan: _Plan) -> dict[str, Any]:
    """The default projection: everything but ``returned: never`` / ``request`` attributes."""
    out: dict[str, Any] = {"schemas": [rtype.schema.id], "id": source["id"]}
    for key, value in source.items():
        if value is None or key == "id" or key == "schemas":
            continue
        if key == "meta":
            meta = dict(value)
            meta["location"] = f"{base_url}{rtype.endpoint}/{source['id']}"
            out["meta"] = meta
        elif key in plan.known:
            if key in plan.strip:
                attr = rtype.attr(key)
                assert attr is not None
                value = _strip_never(attr, value)
            out[key] = value
        else:
            hidden = plan.extensions.get(key)
            if hidden is None:
                continue
            kept = {k: v for k, v in value.items() if v is not None and k not in hidden} if hidden else value
            if kept:
                out[key] = kept
                out["schemas"].append(key)
    return out


def render_resource(
    rtype: ResourceTypeDef,
    doc: Mapping[str, Any],
    base_url: str,
    projection: Projection,
    computed: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The response document for one stored resource."""
    source: dict[str, Any] = dict(doc)
    if computed:
        source.update(computed)
    if projection.include is None and not projection.exclude:
        plan = _plan(rtype)
        if len(plan.extensions) == len(rtype.extensions):
            return _render_default(rtype, source, base_url, plan)
    out: dict[str, Any] = {"schemas": schemas_of(rtype, source), "id": source["id"]}
    for key, value in source.items():
        if key in ("id", "schemas") or value is None:
            continue
        if key == "meta":
            attr = rtype.attr("meta")
            assert attr is not None
            wanted = projection.wants(None, attr)
            if wanted:
                meta = dict(value)
                meta["location"] = f"{base_url}{rtype.endpoint}/{source['id']}"
                out["meta"] = meta if wanted is True else _project_value(attr, meta, wanted)
            continue
        ext = rtype.extension(key) if key.startswith("urn:") else None
        if ext is not None:
            projected = {}
            for name, sub_value in value.items():
                sub_attr = ext.attr(name)
                if sub_attr is None or sub_value is None:
                    continue
                wanted = projection.wants(ext.id, sub_attr)
                if wanted:
                    kept = _project_value(sub_attr, sub_value, wanted)
                    if kept is not None:
                        projected[sub_attr.name] = kept
            if projected:
                out[ext.id] = projected
            continue
        attr = rtype.attr(key)
        if attr is None:
            continue
        wanted = projection.wants(None, attr)
        if wanted:
            kept = _project_value(attr, value, wanted)
            if kept is not None:
                out[attr.name] = kept
    out["schemas"] = [s for s in out["schemas"] if s == rtype.schema.id or s in out]
    return out
