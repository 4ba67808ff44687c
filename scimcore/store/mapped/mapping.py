"""How SCIM resources map onto an application's own tables: the declarations and their check at startup.

An application describes, per resource type (RFC 7643 §3), where each attribute lives::

    ResourceMap("User", Account, id=Account.id, directory=Account.directory, version=Account.scim_version,
                created=Account.scim_created, last_modified=Account.scim_modified, unique_key=Account.login_key,
                attributes={"userName": Account.login, "active": Account.enabled,
                            "emails": ChildTable(AccountEmail, parent=AccountEmail.account_id,
                                                 fields={"value": AccountEmail.address, "type": AccountEmail.kind})},
                overflow=Account.scim_extra)

A key of ``attributes`` is an attribute path (RFC 7644 §3.10: ``name.givenName``, an extension attribute
``urn:...:enterprise:2.0:User:employeeNumber``); a value is a column (an ORM attribute or a Core
:class:`~sqlalchemy.Column`), a :class:`Field` (a column with converters), a :class:`JsonColumn` (the
attribute's whole value as JSON), a :class:`ChildTable` (a multi-valued complex attribute, one row per value)
or, for ``members``, a :class:`MemberTable` (an association table).  Whatever the document carries beyond
that goes to the ``overflow`` JSON column; without one, such a write is refused naming the attribute.

:func:`compile_map` checks a declaration against its resource type once, when the store opens, and raises
:class:`MappingError` naming the attribute or column at fault.

Owns: the declarations and :class:`CompiledMap`, the resolved form the store's codec and compiler read.
Must not: read or write rows (:mod:`scimcore.store.mapped.rows` does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, Numeric, String, Table, Text
from sqlalchemy import inspect as sa_inspect

from scimcore.errors import InvalidFilter
from scimcore.schema.paths import Path, resolve_path, split_attr_path
from scimcore.schema.registry import AttributeDef, ResourceTypeDef
from scimcore.store.ports import unique_attributes

Converter = Callable[[Any], Any]


class MappingError(ValueError):
    """A mapping that cannot work: an unknown attribute, a column of the wrong kind, a required place missing."""


@dataclass(frozen=True)
class Field:
    """A column holding one simple value, with optional converters (``dump`` SCIM → column, ``load`` back).

    ``Field(Account.status, dump=lambda active: "active" if active else "disabled",
    load=lambda status: status == "active")`` keeps ``active`` in a text column.  A converted field is
    filtered in SQL only for ``eq`` on a boolean; other terms on it run in Python, exactly.
    """

    column: Any
    dump: Converter | None = None
    load: Converter | None = None


@dataclass(frozen=True)
class JsonColumn:
    """A JSON column holding the attribute's whole value (a list for a multi-valued attribute)."""

    column: Any


@dataclass(frozen=True)
class ChildTable:
    """A multi-valued complex attribute kept in a child table, one row per value (``emails``, ``phoneNumbers``).

    ``parent`` is the child's column holding the resource's id; ``fields`` maps sub-attributes to columns.
    Values come back in the order of the child table's primary key.
    """

    table: Any
    parent: Any
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class MemberTable:
    """Group members in an association table: one row per (group, member) (RFC 7643 §4.2).

    ``group`` and ``member`` hold the ids; ``type`` (``User`` or ``Group``) and ``display`` are optional
    columns.  Without ``type`` every member is a User, and a Group member is refused naming ``members``.
    """

    table: Any
    group: Any
    member: Any
    type: Any = None
    display: Any = None


@dataclass(frozen=True)
class ResourceMap:
    """Where one resource type lives in the application's tables (see the module docstring)."""

    resource_type: str
    table: Any
    id: Any
    directory: Any
    version: Any
    created: Any
    last_modified: Any
    attributes: Mapping[str, Any] = field(default_factory=dict)
    unique_key: Any = None
    overflow: Any = None


# -- the compiled form ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScalarPlace:
    """A simple value (or one sub-attribute of a single complex attribute) in a column of the resource's row."""

    path: Path
    column: Column[Any]
    dump: Converter | None = None
    load: Converter | None = None


@dataclass(frozen=True)
class JsonPlace:
    """An attribute's whole value in a JSON column of the resource's row."""

    path: Path
    column: Column[Any]


@dataclass(frozen=True)
class ChildPlace:
    """A multi-valued complex attribute in a child table."""

    path: Path
    table: Table
    parent: Column[Any]
    fields: Mapping[str, ScalarPlace]
    order: tuple[Column[Any], ...]


@dataclass(frozen=True)
class MemberPlace:
    """``members`` of a group in an association table."""

    table: Table
    group: Column[Any]
    member: Column[Any]
    type: Column[Any] | None
    display: Column[Any] | None
    order: tuple[Column[Any], ...]


Key = tuple[str | None, str]  # (extension URN or None, attribute name as the schema spells it)


@dataclass(frozen=True)
class CompiledMap:
    """A :class:`ResourceMap` resolved against its resource type: places by attribute, columns by role."""

    rtype: ResourceTypeDef
    table: Table
    id: Column[Any]
    directory: Column[Any]
    version: Column[Any]
    created: Column[Any]
    last_modified: Column[Any]
    unique_key: Column[Any] | None
    overflow: Column[Any] | None
    whole: Mapping[Key, ScalarPlace | JsonPlace | ChildPlace]
    subs: Mapping[Key, Mapping[str, ScalarPlace]]
    members: MemberPlace | None
    order: tuple[Column[Any], ...]

    def tables(self) -> list[Table]:
        """Every table the resource type is kept in: its own, its child tables and its member table."""
        found = [self.table] + [place.table for place in self.whole.values() if isinstance(place, ChildPlace)]
        return found + ([self.members.table] if self.members is not None else [])

    def unique_attr(self) -> AttributeDef | None:
        """The attribute kept in :attr:`unique_key` (the first unique one: ``userName``, ``displayName``)."""
        attrs = unique_attributes(self.rtype)
        return attrs[0] if attrs else None


def column_of(value: Any, where: str) -> Column[Any]:
    """The table column an ORM attribute (``Account.login``) or a Core column names."""
    if isinstance(value, Column):
        return value
    columns = getattr(getattr(value, "property", None), "columns", None)
    if columns and isinstance(columns[0], Column):
        return columns[0]
    raise MappingError(f"{where}: {value!r} is not a column of a table")


def table_of(value: Any, where: str) -> Table:
    """The table of an ORM class (``Account``) or a Core :class:`~sqlalchemy.Table`."""
    if isinstance(value, Table):
        return value
    try:
        mapper = sa_inspect(value)
    except Exception as exc:  # noqa: BLE001 - any failure here means "not a mapped class"
        raise MappingError(f"{where}: {value!r} is not a table or a mapped class") from exc
    found = getattr(mapper, "local_table", None)
    if not isinstance(found, Table):
        raise MappingError(f"{where}: {value!r} is not a table or a mapped class")
    return found


def _in_table(column: Column[Any], table: Table, where: str) -> Column[Any]:
    if column.table is not table:
        raise MappingError(f"{where}: column {column} is not in table {table.name}")
    return column


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON) or type(column.type).__name__ in ("JSONB", "JSON")


def _check_kind(attr: AttributeDef, column: Column[Any], converted: bool, where: str) -> None:
    """A column without converters must hold the attribute's type (booleans in Boolean, numbers in numbers)."""
    if converted:
        return
    kind = attr.type
    sql = column.type
    fits = {
        "boolean": isinstance(sql, Boolean),
        "integer": isinstance(sql, Integer),
        "decimal": isinstance(sql, Numeric | Integer),
        "string": isinstance(sql, String | Text),
        "reference": isinstance(sql, String | Text),
        "binary": isinstance(sql, String | Text),
        "dateTime": isinstance(sql, String | Text),
    }.get(kind, False)
    if not fits:
        raise MappingError(
            f"{where}: column {column} ({sql}) cannot hold a SCIM {kind} without converters "
            "(use Field(column, dump=..., load=...))"
        )


def _primary_order(table: Table) -> tuple[Column[Any], ...]:
    return tuple(table.primary_key.columns)


def compile_map(declared: ResourceMap, rtype: ResourceTypeDef) -> CompiledMap:
    """Check ``declared`` against ``rtype`` and resolve every place; :class:`MappingError` names what is wrong."""
    name = rtype.name
    table = table_of(declared.table, f"{name} table")

    def own(value: Any, role: str) -> Column[Any]:
        if value is None:
            raise MappingError(f"{name}: the mapping needs a '{role}' column")
        return _in_table(column_of(value, f"{name} {role}"), table, f"{name} {role}")

    roles = {role: own(getattr(declared, role), role)
             for role in ("id", "directory", "version", "created", "last_modified")}
    overflow = own(declared.overflow, "overflow") if declared.overflow is not None else None
    if overflow is not None and not _is_json(overflow):
        raise MappingError(f"{name} overflow: column {overflow} must be a JSON column")
    whole: dict[Key, ScalarPlace | JsonPlace | ChildPlace] = {}
    subs: dict[Key, dict[str, ScalarPlace]] = {}
    members: MemberPlace | None = None
    for text, target in declared.attributes.items():
        where = f"{name} attribute '{text}'"
        try:
            urn, attr_name, sub_name = split_attr_path(text)
            path = resolve_path(rtype, urn, attr_name, sub_name)
        except InvalidFilter as exc:
            raise MappingError(f"{where}: {exc.detail}") from None
        attr = path.attr
        key: Key = (path.extension, attr.name)
        if attr.name in ("id", "meta", "groups") and path.extension is None:
            raise MappingError(f"{where}: '{attr.name}' is kept by the store itself, not mapped")
        if attr.name == "members" and path.extension is None:
            if not isinstance(target, MemberTable):
                raise MappingError(f"{where}: members need a MemberTable")
            mtable = table_of(target.table, where)
            members = MemberPlace(
                mtable,
                _in_table(column_of(target.group, where), mtable, where),
                _in_table(column_of(target.member, where), mtable, where),
                _in_table(column_of(target.type, where), mtable, where) if target.type is not None else None,
                _in_table(column_of(target.display, where), mtable, where) if target.display is not None else None,
                _primary_order(mtable) or (column_of(target.member, where),),
            )
            continue
        if path.sub is not None:
            if attr.multi_valued:
                raise MappingError(f"{where}: map the multi-valued '{attr.name}' as a whole (ChildTable or JsonColumn)")
            place = _scalar(path, path.sub, target, table, where)
            if key in whole:
                raise MappingError(f"{where}: '{attr.name}' is mapped as a whole already")
            subs.setdefault(key, {})[path.sub.name] = place
            continue
        if key in whole or key in subs:
            raise MappingError(f"{where}: mapped twice")
        if isinstance(target, JsonColumn):
            column = _in_table(column_of(target.column, where), table, where)
            if not _is_json(column):
                raise MappingError(f"{where}: column {column} must be a JSON column")
            whole[key] = JsonPlace(path, column)
        elif isinstance(target, ChildTable):
            if not (attr.multi_valued and attr.is_complex):
                raise MappingError(f"{where}: a ChildTable holds a multi-valued complex attribute")
            child = table_of(target.table, where)
            parent = _in_table(column_of(target.parent, where), child, where)
            fields: dict[str, ScalarPlace] = {}
            for sub_text, sub_target in target.fields.items():
                sub_attr = attr.sub(sub_text)
                if sub_attr is None:
                    raise MappingError(f"{where}: '{attr.name}' has no sub-attribute '{sub_text}'")
                fields[sub_attr.name] = _scalar(Path(path.extension, attr, sub_attr), sub_attr, sub_target, child,
                                                f"{where}.{sub_text}")
            if "value" not in fields:
                raise MappingError(f"{where}: the child table needs a column for '{attr.name}.value'")
            whole[key] = ChildPlace(path, child, parent, fields, _primary_order(child) or (parent,))
        else:
            if attr.multi_valued or attr.is_complex:
                raise MappingError(
                    f"{where}: a {'multi-valued' if attr.multi_valued else 'complex'} attribute needs a ChildTable, "
                    "a JsonColumn or a column per sub-attribute"
                )
            whole[key] = _scalar(path, attr, target, table, where)
    compiled = CompiledMap(
        rtype, table, roles["id"], roles["directory"], roles["version"], roles["created"], roles["last_modified"],
        own(declared.unique_key, "unique_key") if declared.unique_key is not None else None, overflow,
        whole, subs, members, _primary_order(table) or (roles["id"],),
    )
    _check_required(compiled)
    return compiled


def _scalar(path: Path, attr: AttributeDef, target: Any, table: Table, where: str) -> ScalarPlace:
    if isinstance(target, JsonColumn | ChildTable | MemberTable):
        raise MappingError(f"{where}: a simple attribute goes to a column or a Field")
    spec = target if isinstance(target, Field) else Field(target)
    column = _in_table(column_of(spec.column, where), table, where)
    _check_kind(attr, column, spec.dump is not None or spec.load is not None, where)
    return ScalarPlace(path, column, spec.dump, spec.load)


def _check_required(compiled: CompiledMap) -> None:
    """Required attributes need a place, and the unique attribute a plain column and a folded key column."""
    rtype = compiled.rtype
    for attr in rtype.schema.attributes.values():
        if attr.name == "members":
            if compiled.members is None:
                raise MappingError(f"{rtype.name}: 'members' have nowhere to go (map them to a MemberTable)")
            continue
        if attr.required and (None, attr.name) not in compiled.whole and compiled.overflow is None:
            raise MappingError(f"{rtype.name}: the required attribute '{attr.name}' has nowhere to go")
    unique = compiled.unique_attr()
    if unique is None:
        return
    place = compiled.whole.get((None, unique.name))
    if not isinstance(place, ScalarPlace) or place.dump is not None:
        raise MappingError(
            f"{rtype.name}: the unique attribute '{unique.name}' needs a column of its own (without converters)"
        )
    if compiled.unique_key is None:
        raise MappingError(
            f"{rtype.name}: '{unique.name}' is unique per directory and compared folded: name a unique_key column "
            "(text, with a unique index over it and the directory column) for the store to keep its folded form in"
        )
