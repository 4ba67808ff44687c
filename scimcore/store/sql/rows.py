"""Rows of the resources port in SQL: how a document becomes a row, members become rows, and back.

Uniqueness is enforced by unique indexes (the first unique attribute, lower-cased unless caseExact, in
``unique_value``), so two concurrent creates with one ``userName`` give exactly one success; further unique
attributes of custom schemas are checked inside the writing transaction.

The statements of the hot reads (a resource by id, a page by its unique value, members, groups) are built
once per store with bind parameters (:class:`Statements`): a request binds values to them instead of building
SQLAlchemy expressions.  Those of one shape are compiled once for the store's database as well
(:class:`Prepared`) and run as driver SQL, past SQLAlchemy's cache-key walk and result processing; the ones
with a list of ids (an expanding ``IN``) go through SQLAlchemy's compiled cache.

Owns: the row helpers the read and write halves share, and the prepared statements.
Must not: open transactions of its own; callers pass the connection.
"""


import json
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Connection,
    Insert,
    Select,
    Update,
    and_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Dialect as DatabaseDialect

from scimcore.errors import NotFound, Uniqueness
from scimcore.filter.ast import Path
from scimcore.schema.folding import fold, folds
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store.port import (
    Document,
    unique_attributes,
)
from scimcore.store.sql.compile import Dialect, FilterCompiler
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.schema import counts, members, resources

MEMBERS = "members"
CHUNK = 500

# A membership row joined to the group it belongs to.
_GROUP_OF_MEMBERSHIP = and_(
    resources.c.directory == members.c.directory,
    resources.c.resource_type == members.c.group_type,
    resources.c.id == members.c.group_id,
)


ROW_COLUMNS = ("unique_value", "external_id", "version", "created", "last_modified", "doc")
"""The columns of a resource's row that :meth:`SqlRows._row_values` fills from its document."""


def _in_scope() -> Any:
    """The rows of one resource type of one directory, bound as ``directory`` and ``rtype``."""
    return and_(resources.c.directory == bindparam("directory"), resources.c.resource_type == bindparam("rtype"))


class Prepared:
    """A statement compiled once for one database, run as driver SQL with its parameters given by name.

    Rows come back as the driver reads them, without SQLAlchemy's type processing (a JSON document is text
    on SQLite, see :meth:`SqlRows._load_doc`).  The driver's errors still leave as SQLAlchemy's
    :class:`~sqlalchemy.exc.DBAPIError`, so :meth:`~scimcore.store.sql.engine.SqlEngine._tx` classifies them.
    """

    def __init__(self, statement: Select[Any] | Insert | Update, database: DatabaseDialect) -> None:
        compiled = statement.compile(dialect=database)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a prepared statement takes no expanding or literal parameters")
        self.sql = compiled.string
        self.defaults: dict[str, Any] = dict(compiled.params)
        self.order: tuple[str, ...] | None = tuple(compiled.positiontup or ()) if compiled.positional else None

    def __call__(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Run the statement with ``params`` on ``conn``: its :class:`~sqlalchemy.CursorResult`."""
        values = {**self.defaults, **params}
        if self.order is not None:
            return conn.exec_driver_sql(self.sql, tuple(values[name] for name in self.order))
        return conn.exec_driver_sql(self.sql, values)


class Statements:
    """The statements of the hot reads for one dialect, with bind parameters, built once per store."""

    def __init__(self, dialect: Dialect, database: DatabaseDialect) -> None:
        #: The document of one resource: ``directory``, ``rtype``, ``id``.
        self.doc_by_id = Prepared(
            select(resources.c.doc).where(_in_scope(), resources.c.id == bindparam("id")), database
        )
        # A page of ``unique_value = :value`` with its number of matches (a window count), in insertion order.
        by_unique = (
            select(resources.c.doc, func.count().over())
            .where(_in_scope(), resources.c.unique_value == bindparam("value"))
            .order_by(resources.c.seq)
        )
        #: ``directory``, ``rtype``, ``value`` and ``offset``; every match from there.
        self.unique_from: Select[Any] = by_unique.offset(bindparam("offset"))
        #: As :attr:`unique_from`, at most ``limit`` of them.
        self.unique_page: Select[Any] = by_unique.offset(bindparam("offset")).limit(bindparam("limit"))
        #: The document with ``unique_value = :value`` (at most one, by the unique index).
        self.unique_one = Prepared(
            select(resources.c.doc).where(_in_scope(), resources.c.unique_value == bindparam("value")), database
        )
        # That document with the id and displayName of each group listing it, a row per group (a member
        # without groups, or whose group row is gone, gives NULLs), in the order it joined them.
        group = resources.alias("scim_group")
        joined = resources.outerjoin(
            members, and_(members.c.directory == resources.c.directory, members.c.member_id == resources.c.id)
        ).outerjoin(
            group,
            and_(
                group.c.directory == members.c.directory,
                group.c.resource_type == members.c.group_type,
                group.c.id == members.c.group_id,
            ),
        )
        #: :attr:`unique_one` with its groups: ``directory``, ``rtype``, ``value``.
        self.unique_with_groups = Prepared(
            select(resources.c.doc, group.c.id, dialect.text_at(group.c.doc, ["displayName"]))
            .select_from(joined)
            .where(_in_scope(), resources.c.unique_value == bindparam("value"))
            .order_by(members.c.seq),
            database,
        )
        #: The document with ``id = :id`` and its groups, as :attr:`unique_with_groups`: ``directory``, ``rtype``,
        #: ``id``.
        self.doc_with_groups = Prepared(
            select(resources.c.doc, group.c.id, dialect.text_at(group.c.doc, ["displayName"]))
            .select_from(joined)
            .where(_in_scope(), resources.c.id == bindparam("id"))
            .order_by(members.c.seq),
            database,
        )
        #: The version and document of one resource, locked for the writing transaction on PostgreSQL:
        #: ``directory``, ``rtype``, ``id``.
        current = select(resources.c.version, resources.c.doc).where(_in_scope(), resources.c.id == bindparam("id"))
        self.lock_current: Select[Any] = current.with_for_update() if dialect.pg else current
        #: A resource's row after a replace: ``in_directory``, ``in_rtype``, ``in_id`` and the ``new_*`` values
        #: (an UPDATE's own column names are reserved for its SET clause).
        self.replace_row = (
            update(resources)
            .where(
                resources.c.directory == bindparam("in_directory"),
                resources.c.resource_type == bindparam("in_rtype"),
                resources.c.id == bindparam("in_id"),
            )
            .values({name: bindparam(f"new_{name}") for name in ROW_COLUMNS})
        )
        #: A new resource's row: ``directory``, ``resource_type``, ``id`` and the :data:`ROW_COLUMNS`.
        self.insert_row = insert(resources).values(
            {name: bindparam(name) for name in ("directory", "resource_type", "id", *ROW_COLUMNS)}
        )
        #: ``scim_counts`` moved by ``delta`` for ``directory`` and ``rtype`` (an upsert; a first row holds ``n``).
        if dialect.pg:
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        first = upsert(counts).values(directory=bindparam("directory"), resource_type=bindparam("rtype"),
                                      n=bindparam("n"))
        self.count_by: Insert = first.on_conflict_do_update(
            index_elements=[counts.c.directory, counts.c.resource_type], set_={"n": counts.c.n + bindparam("delta")}
        )
        #: The number of resources with ``unique_value = :value``.
        self.unique_count: Select[Any] = (
            select(func.count())
            .select_from(resources)
            .where(_in_scope(), resources.c.unique_value == bindparam("value"))
        )
        #: The members of groups: ``directory`` and ``ids`` (expanding), in the order they were added.
        self.members_of = (
            select(members.c.group_id, members.c.member_id, members.c.member_type, members.c.display)
            .where(
                members.c.directory == bindparam("directory"),
                members.c.group_id.in_(bindparam("ids", expanding=True)),
            )
            .order_by(members.c.seq)
        )
        #: Who resources are (:class:`~scimcore.store.ports.MemberSummaries`): ``directory`` and ``ids``
        #: (expanding); the id, the type, then userName, displayName and externalId.
        self.summaries = select(
            resources.c.id,
            resources.c.resource_type,
            dialect.text_at(resources.c.doc, ["userName"]),
            dialect.text_at(resources.c.doc, ["displayName"]),
            resources.c.external_id,
        ).where(resources.c.directory == bindparam("directory"), resources.c.id.in_(bindparam("ids", expanding=True)))
        #: The members of one group: ``directory`` and ``id``, in the order they were added.
        self.members_of_one = Prepared(
            select(members.c.group_id, members.c.member_id, members.c.member_type, members.c.display)
            .where(members.c.directory == bindparam("directory"), members.c.group_id == bindparam("id"))
            .order_by(members.c.seq),
            database,
        )
        groups = select(members.c.member_id, members.c.group_id, dialect.text_at(resources.c.doc, ["displayName"]))
        groups = groups.join(resources, _GROUP_OF_MEMBERSHIP).order_by(members.c.seq)
        #: The groups (id and displayName) of members: ``directory`` and ``ids`` (expanding), in joining order.
        self.groups_of = groups.where(
            members.c.directory == bindparam("directory"), members.c.member_id.in_(bindparam("ids", expanding=True))
        )
        #: The groups of one member: ``directory`` and ``id``, in joining order.
        self.groups_of_one = Prepared(
            groups.where(members.c.directory == bindparam("directory"), members.c.member_id == bindparam("id")),
            database,
        )


class SqlRows(SqlEngine):
    """Row helpers over the engine, shared by reads and writes."""

    @cached_property
    def _sql(self) -> Statements:
        return Statements(self.dialect, self.engine.dialect)

    def _unique_value(self, rtype: ResourceTypeDef, doc: Mapping[str, Any]) -> str | None:
        attrs = unique_attributes(rtype)
        if not attrs:
            return None
        value = doc.get(attrs[0].name)
        if value is None:
            return None
        text = str(value)
        return fold(text) if folds(attrs[0]) else text

    def _check_other_unique(
        self, conn: Connection, rtype: ResourceTypeDef, doc: Mapping[str, Any], directory: str
    ) -> None:
        """Unique attributes beyond the first (custom schemas) are checked inside the transaction."""
        for attr in unique_attributes(rtype)[1:]:
            value = doc.get(attr.name)
            if value is None:
                continue
            if folds(attr) and isinstance(value, str):
                clash = self._folded_clash(conn, rtype, attr.name, value, doc["id"], directory)
            else:
                from scimcore.filter.ast import Compare

                condition = FilterCompiler(self.dialect, rtype, directory).compile(
                    Compare(Path(None, attr), "eq", value)
                )
                clash = conn.execute(
                    select(resources.c.id).where(self._scope(rtype, directory), condition, resources.c.id != doc["id"])
                ).first() is not None
            if clash:
                raise Uniqueness(f"A {rtype.name} with {attr.name} '{value}' already exists.")

    def _folded_clash(
        self, conn: Connection, rtype: ResourceTypeDef, name: str, value: str, own_id: str, directory: str
    ) -> bool:
        """Whether another resource holds ``value`` of a folding attribute without a folded column, by scan."""
        wanted = fold(value)
        rows = conn.execute(select(resources.c.id, resources.c.doc).where(self._scope(rtype, directory)))
        for rid, raw in rows:
            other = self._load_doc(raw).get(name)
            if rid != own_id and isinstance(other, str) and fold(other) == wanted:
                return True
        return False

    @staticmethod
    def _scope(rtype: ResourceTypeDef, directory: str) -> Any:
        return and_(resources.c.directory == directory, resources.c.resource_type == rtype.name)

    def _row_values(self, rtype: ResourceTypeDef, doc: Mapping[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in doc.items() if k != MEMBERS}
        meta = doc["meta"]
        return {
            "unique_value": self._unique_value(rtype, doc),
            "external_id": doc.get("externalId"),
            "version": meta["version"],
            "created": meta["created"],
            "last_modified": meta["lastModified"],
            "doc": body,
        }

    def _uniqueness_error(self, rtype: ResourceTypeDef, doc: Mapping[str, Any]) -> Uniqueness:
        attrs = unique_attributes(rtype)
        if attrs and doc.get(attrs[0].name) is not None:
            return Uniqueness(f"A {rtype.name} with {attrs[0].name} '{doc[attrs[0].name]}' already exists.")
        return Uniqueness(f"A {rtype.name} with id '{doc['id']}' already exists.")

    @staticmethod
    def _load_doc(raw: Any) -> Document:
        if isinstance(raw, str | bytes):
            loaded: Document = json.loads(raw)
            return loaded
        return dict(raw)

    def _members_of(self, conn: Connection, directory: str, group_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {gid: [] for gid in group_ids}
        for start in range(0, len(group_ids), CHUNK):
            chunk = group_ids[start : start + CHUNK]
            if len(chunk) == 1:
                rows = self._sql.members_of_one(conn, {"directory": directory, "id": chunk[0]})
            else:
                rows = conn.execute(self._sql.members_of, {"directory": directory, "ids": chunk})
            for gid, mid, mtype, display in rows:
                item: dict[str, Any] = {"value": mid}
                if mtype:
                    item["type"] = mtype
                if display:
                    item["display"] = display
                out[gid].append(item)
        return out

    def _with_members(
        self, conn: Connection, rtype: ResourceTypeDef, docs: list[Document], directory: str, omit: frozenset[str]
    ) -> list[Document]:
        if rtype.attr(MEMBERS) is None or MEMBERS in omit or not docs:
            return [{k: v for k, v in d.items() if k not in omit} for d in docs] if omit else docs
        found = self._members_of(conn, directory, [d["id"] for d in docs])
        out = []
        for doc in docs:
            if omit:
                doc = {k: v for k, v in doc.items() if k not in omit}
            if found.get(doc["id"]):
                doc[MEMBERS] = found[doc["id"]]
            out.append(doc)
        return out

    def _insert_members(
        self, conn: Connection, rtype: ResourceTypeDef, gid: str, items: Iterable[Mapping[str, Any]], directory: str
    ) -> None:
        rows = [
            {
                "directory": directory,
                "group_type": rtype.name,
                "group_id": gid,
                "member_id": item["value"],
                "member_type": item.get("type"),
                "display": item.get("display"),
            }
            for item in items
        ]
        if rows:
            conn.execute(insert(members), rows)

    def _lock_current(self, conn: Connection, rtype: ResourceTypeDef, rid: str, directory: str) -> tuple[str, Document]:
        row = conn.execute(self._sql.lock_current, {"directory": directory, "rtype": rtype.name, "id": rid}).first()
        if row is None:
            raise NotFound(f"{rtype.name} '{rid}' not found.")
        return row[0], self._load_doc(row[1])
