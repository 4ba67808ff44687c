"""Compiled schema metadata (RFC 7643 §2, §7) and the registry of schemas and resource types.

The registry turns schema documents (scim2-models :class:`~scim2_models.Schema` values or their JSON) into
frozen :class:`AttributeDef` trees once, at start-up.  Everything that needs to know an attribute's type,
plurality, case rules, mutability or ``returned`` rule reads it from here, and the discovery endpoints
(/Schemas, /ResourceTypes) are rendered from the same objects, so discovery never disagrees with behaviour.

This module does no I/O and never touches request documents; it only describes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import scim2_models as sm

from scimcore.urns import CORE_GROUP as CORE_GROUP
from scimcore.urns import CORE_USER as CORE_USER
from scimcore.urns import ENTERPRISE_USER as ENTERPRISE_USER

ATTRIBUTE_TYPES = frozenset(
    {"string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"}
)


@dataclass(frozen=True, slots=True)
class AttributeDef:
    """One attribute's characteristics (RFC 7643 §2.2, §7)."""

    name: str
    type: str
    schema: str
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    sub_attributes: Mapping[str, AttributeDef] = field(default_factory=lambda: MappingProxyType({}))
    reference_types: tuple[str, ...] = ()
    canonical_values: tuple[str, ...] = ()
    parent: str | None = None

    @property
    def is_complex(self) -> bool:
        """True for ``complex`` attributes, which have sub-attributes."""
        return self.type == "complex"

    @property
    def path(self) -> str:
        """The attribute's path relative to its schema (``name.givenName``)."""
        return f"{self.parent}.{self.name}" if self.parent else self.name

    def sub(self, name: str) -> AttributeDef | None:
        """The sub-attribute called ``name`` (case-insensitive, RFC 7643 §2.1)."""
        return self.sub_attributes.get(name.lower())


@dataclass(frozen=True, slots=True)
class SchemaDef:
    """A compiled schema: its URN, display data and top-level attributes keyed by lower-case name."""

    id: str
    name: str
    description: str
    attributes: Mapping[str, AttributeDef]
    document: Mapping[str, Any]

    def attr(self, name: str) -> AttributeDef | None:
        """The top-level attribute called ``name`` (case-insensitive)."""
        return self.attributes.get(name.lower())


@dataclass(frozen=True, slots=True)
class ResourceTypeDef:
    """A resource type (RFC 7643 §6) with its core schema and extensions compiled together."""

    name: str
    endpoint: str
    description: str
    schema: SchemaDef
    extensions: Mapping[str, tuple[SchemaDef, bool]]
    indexed: tuple[AttributeDef, ...] = field(init=False, repr=False, compare=False)
    """The top-level string attributes every store indexes, computed once: the unique ones (``userName``,
    a group's ``displayName``) and the common attribute ``externalId`` (RFC 7643 §3.1), which identity
    providers match on."""

    def __post_init__(self) -> None:
        out = [
            attr
            for attr in self.schema.attributes.values()
            if not attr.multi_valued and not attr.is_complex and attr.uniqueness in ("server", "global")
        ]
        external = self.attr("externalId")
        if external is not None and external not in out:
            out.append(external)
        object.__setattr__(self, "indexed", tuple(out))

    @property
    def id(self) -> str:
        """The resource type's id, equal to its name."""
        return self.name

    def attr(self, name: str) -> AttributeDef | None:
        """A top-level core or common attribute (``id``, ``externalId``, ``meta``)."""
        found = self.schema.attributes.get(name.lower())
        if found is None:
            found = COMMON_ATTRIBUTES.get(name.lower())
        return found

    def extension(self, urn: str) -> SchemaDef | None:
        """The extension schema with URN ``urn`` (case-insensitive), if this type declares it."""
        entry = self.extensions.get(urn.lower())
        return entry[0] if entry else None

    def schema_urns(self) -> list[str]:
        """The core schema URN followed by every extension URN."""
        return [self.schema.id] + [schema.id for schema, _ in self.extensions.values()]

    def split_urn(self, path: str) -> tuple[SchemaDef, str] | None:
        """Split a URN-qualified path into (schema, remainder) for this type's schemas (RFC 7644 §3.10).

        ``urn:...:enterprise:2.0:User:manager.value`` gives the enterprise schema and ``manager.value``; the
        schema URN alone gives the schema and ``""``.  Paths that carry no known URN give ``None``.
        """
        lowered = path.lower()
        if not lowered.startswith("urn:"):
            return None
        candidates = [self.schema] + [schema for schema, _ in self.extensions.values()]
        for schema in sorted(candidates, key=lambda s: len(s.id), reverse=True):
            urn = schema.id.lower()
            if lowered == urn:
                return schema, ""
            if lowered.startswith(urn) and lowered[len(urn)] == ":":
                return schema, path[len(urn) + 1 :]
        return None


def _common(name: str, **kwargs: Any) -> AttributeDef:
    return AttributeDef(name=name, schema="common", **kwargs)


def _meta_sub(name: str, type_: str) -> AttributeDef:
    return _common(name, type=type_, mutability="readOnly", case_exact=True, parent="meta")


# RFC 7643 §3.1: attributes common to every resource, not part of any schema document.
COMMON_ATTRIBUTES: Mapping[str, AttributeDef] = MappingProxyType(
    {
        "id": _common(
            "id", type="string", case_exact=True, mutability="readOnly", returned="always", uniqueness="server"
        ),
        "externalid": _common("externalId", type="string", case_exact=True),
        "meta": _common(
            "meta",
            type="complex",
            mutability="readOnly",
            sub_attributes=MappingProxyType(
                {
                    "resourcetype": _meta_sub("resourceType", "string"),
                    "created": _meta_sub("created", "dateTime"),
                    "lastmodified": _meta_sub("lastModified", "dateTime"),
                    "location": _meta_sub("location", "reference"),
                    "version": _meta_sub("version", "string"),
                }
            ),
        ),
    }
)


def _compile_attribute(raw: Mapping[str, Any], schema: str, parent: str | None = None) -> AttributeDef:
    name = raw["name"]
    type_ = raw.get("type", "string")
    if type_ not in ATTRIBUTE_TYPES:
        raise ValueError(f"attribute {name!r} of schema {schema} has unknown type {type_!r}")
    subs = {
        sub["name"].lower(): _compile_attribute(sub, schema, name) for sub in raw.get("subAttributes") or ()
    }
    return AttributeDef(
        name=name,
        type=type_,
        schema=schema,
        multi_valued=bool(raw.get("multiValued", False)),
        required=bool(raw.get("required", False)),
        case_exact=bool(raw.get("caseExact", False)),
        mutability=raw.get("mutability") or "readWrite",
        returned=raw.get("returned") or "default",
        uniqueness=raw.get("uniqueness") or "none",
        sub_attributes=MappingProxyType(subs),
        reference_types=tuple(raw.get("referenceTypes") or ()),
        canonical_values=tuple(raw.get("canonicalValues") or ()),
        parent=parent,
    )


def _dump(model: sm.BaseModel) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json", scim_ctx=sm.Context.RESOURCE_QUERY_RESPONSE)
    return dumped


def compile_schema(schema: sm.Schema | Mapping[str, Any] | type[sm.Resource[Any]] | type[sm.Extension]) -> SchemaDef:
    """Compile a schema given as a scim2-models Schema, its JSON document, or a scim2-models model class."""
    if isinstance(schema, type):
        model = schema.to_schema()
    elif isinstance(schema, sm.Schema):
        model = schema
    else:
        model = sm.Schema.model_validate(dict(schema))
    document = _dump(model)
    urn = document["id"]
    attributes = {raw["name"].lower(): _compile_attribute(raw, urn) for raw in document.get("attributes") or ()}
    return SchemaDef(
        id=urn,
        name=document.get("name") or urn.rsplit(":", 1)[-1],
        description=document.get("description") or "",
        attributes=MappingProxyType(attributes),
        document=MappingProxyType(document),
    )


class SchemaRegistry:
    """The schemas and resource types a service offers (RFC 7643 §6, §7).

    Build one with :meth:`default` (User, Group and the enterprise User extension), then register custom
    schemas, extensions and resource types before handing it to the service.
    """

    def __init__(self) -> None:
        self._schemas: dict[str, SchemaDef] = {}
        self._types: dict[str, ResourceTypeDef] = {}
        self._endpoints: dict[str, ResourceTypeDef] = {}

    @classmethod
    def default(cls) -> SchemaRegistry:
        """User (with the enterprise extension) and Group, as RFC 7643 §4 and §8.7 define them."""
        registry = cls()
        # The descriptions are RFC 7643 §8.7.1's ("User Account", "Group") and §8.7.2's ("Enterprise User").
        user = _dump(sm.User.to_schema())
        user["description"] = "User Account"
        registry.register_schema(user)
        # Microsoft Entra requires group display names to be unique within a directory.
        group = _dump(sm.Group.to_schema())
        group["description"] = "Group"
        for attribute in group["attributes"]:
            if attribute["name"] == "displayName":
                attribute["uniqueness"] = "server"
        registry.register_schema(group)
        enterprise = _dump(sm.EnterpriseUser.to_schema())
        enterprise["description"] = "Enterprise User"
        registry.register_schema(enterprise)
        registry.register_resource_type("User", "/Users", CORE_USER, description="User Account")
        registry.register_resource_type("Group", "/Groups", CORE_GROUP, description="Group")
        registry.add_extension("User", ENTERPRISE_USER)
        return registry

    def register_schema(
        self, schema: sm.Schema | Mapping[str, Any] | type[sm.Resource[Any]] | type[sm.Extension]
    ) -> SchemaDef:
        """Add a schema (core or extension); it appears in /Schemas at once."""
        compiled = compile_schema(schema)
        self._schemas[compiled.id.lower()] = compiled
        return compiled

    def register_resource_type(
        self,
        name: str,
        endpoint: str,
        schema: str,
        *,
        description: str = "",
        extensions: Iterable[tuple[str, bool]] = (),
    ) -> ResourceTypeDef:
        """Add a resource type served at ``endpoint`` (``/Devices``) whose core schema is ``schema``."""
        if not endpoint.startswith("/") or "/" in endpoint[1:]:
            raise ValueError(f"endpoint must be one path segment such as '/Devices', got {endpoint!r}")
        for existing in self._types.values():
            if existing.endpoint.lower() == endpoint.lower() and existing.name != name:
                raise ValueError(f"endpoint {endpoint} is already served by {existing.name}")
        core = self.schema(schema)
        exts = {urn.lower(): (self.schema(urn), required) for urn, required in extensions}
        rtype = ResourceTypeDef(name, endpoint, description or name, core, MappingProxyType(exts))
        self._types[name] = rtype
        self._endpoints[endpoint.lower()] = rtype
        return rtype

    def add_extension(self, resource_type: str, schema: str, *, required: bool = False) -> ResourceTypeDef:
        """Declare ``schema`` an extension of ``resource_type`` (RFC 7643 §6 ``schemaExtensions``)."""
        current = self.resource_type(resource_type)
        exts = dict(current.extensions)
        exts[schema.lower()] = (self.schema(schema), required)
        updated = ResourceTypeDef(
            current.name, current.endpoint, current.description, current.schema, MappingProxyType(exts)
        )
        self._types[current.name] = updated
        self._endpoints[updated.endpoint.lower()] = updated
        return updated

    def schema(self, urn: str) -> SchemaDef:
        """The registered schema ``urn`` (case-insensitive); ``KeyError`` if unknown."""
        try:
            return self._schemas[urn.lower()]
        except KeyError:
            raise KeyError(f"schema {urn} is not registered") from None

    def find_schema(self, urn: str) -> SchemaDef | None:
        """The registered schema ``urn``, or ``None``."""
        return self._schemas.get(urn.lower())

    def resource_type(self, name: str) -> ResourceTypeDef:
        """The resource type called ``name``; ``KeyError`` if unknown."""
        return self._types[name]

    def find_resource_type(self, name: str) -> ResourceTypeDef | None:
        """The resource type called ``name`` (case-insensitive), or ``None``."""
        found = self._types.get(name)
        if found is None:
            for rtype in self._types.values():
                if rtype.name.lower() == name.lower():
                    return rtype
        return found

    def by_endpoint(self, endpoint: str) -> ResourceTypeDef | None:
        """The resource type served at ``endpoint`` (``/Users``), case-insensitively."""
        return self._endpoints.get(endpoint.lower())

    @property
    def schemas(self) -> list[SchemaDef]:
        """Every registered schema in registration order."""
        return list(self._schemas.values())

    @property
    def resource_types(self) -> list[ResourceTypeDef]:
        """Every registered resource type in registration order."""
        return list(self._types.values())
