"""The SQL store: SQLite (embedded, the default of ``scimcore serve``) and PostgreSQL, on SQLAlchemy 2 Core.

Every port call is one transaction.  Writers on SQLite take the write lock at ``BEGIN IMMEDIATE`` (WAL mode,
a busy timeout and foreign keys on), so two writers never deadlock upgrading a read lock; on PostgreSQL the
row being changed is locked with ``SELECT ... FOR UPDATE``.  Uniqueness is enforced by unique indexes, so two
concurrent creates with one ``userName`` give exactly one success.  Filters are pushed down to SQL when they
can be expressed exactly (:mod:`scimcore.store.sql.compile`) and evaluated in Python otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from scimcore.directories import Directory, TokenRecord
from scimcore.errors import InvalidCursor, NotFound, PreconditionFailed, Uniqueness
from scimcore.events import Event, StoredEvent
from scimcore.filter.ast import Path
from scimcore.filter.evaluate import compile_predicate
from scimcore.filter.sort import sort_documents
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store.port import (
    DEFAULT_DIRECTORY,
    DeleteEvents,
    Document,
    MemberEvents,
    MemberRef,
    Page,
    Query,
    cursor_page,
    offset_position,
    unique_attributes,
)
from scimcore.store.sql import schema
from scimcore.store.sql.compile import Dialect, FilterCompiler, NotPushable
from scimcore.store.sql.schema import counts, directories, members, resources, tokens
from scimcore.store.sql.schema import events as events_table

MEMBERS = "members"
CHUNK = 500

# A membership row joined to the group it belongs to.
_GROUP_OF_MEMBERSHIP = and_(
    resources.c.directory == members.c.directory,
    resources.c.resource_type == members.c.group_type,
    resources.c.id == members.c.group_id,
)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and point them at psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _scim_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class SqlStore:
    """A :class:`~scimcore.store.port.Store` in SQLite or PostgreSQL.

    ``SqlStore("sqlite:///scimcore.db")`` or ``SqlStore("postgresql://user@host/db")``; the schema is
    created or upgraded on open unless ``migrate=False`` (then run ``scimcore db upgrade``).

    SQL parameters are kept out of SQLAlchemy's log lines and error messages (``hide_parameters``): they hold
    webhook secrets and users' data.  Pass ``hide_parameters=False`` to see them while debugging.
    """

    blocking = True

    def __init__(self, url: str, *, migrate: bool = True, echo: bool = False, **engine_options: Any) -> None:
        self.url = normalise_url(url)
        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
        self.dialect = Dialect(backend)
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True, **engine_options}
        if backend == "sqlite":
            options.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        else:
            options.setdefault("pool_pre_ping", True)
            options.setdefault("pool_size", 10)
        self.engine: Engine = create_engine(self.url, **options)
        self._read_committed: bool | None = None
        if backend == "sqlite":
            self._configure_sqlite(self.engine)
        if migrate:
            self.upgrade()

    @staticmethod
    def _configure_sqlite(engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # transactions are begun below, explicitly
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            dbapi_conn.create_function("scim_lower", 1, _scim_lower, deterministic=True)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = "IMMEDIATE" if conn.get_execution_options().get("scim_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

    def upgrade(self) -> tuple[int, int]:
        """Create or upgrade the schema; return (from, to) versions."""
        with self._tx(write=True) as conn:
            return schema.upgrade(conn)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def _autocommit_reads(self, conn: Connection) -> bool:
        """Whether reads may skip their transaction: asked of the first connection, then remembered."""
        if self._read_committed is None:
            self._read_committed = str(conn.get_isolation_level()).upper() == "READ COMMITTED"
        return self._read_committed

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        """A connection for one unit of work: a transaction for writes (and all of SQLite's reads).

        PostgreSQL reads run in autocommit instead when the connections' isolation level is READ COMMITTED
        (PostgreSQL's default), which spares the ``BEGIN`` and ``COMMIT`` round trips and changes nothing a
        reader sees: at that level every statement takes its own snapshot, in a transaction or not.  Under a
        stricter level (an ``isolation_level`` engine option, or the server's ``default_transaction_isolation``)
        reads keep their transaction and its single snapshot.
        """
        with self.engine.connect() as conn:
            if not write and self.dialect.pg and self._autocommit_reads(conn):
                yield conn.execution_options(isolation_level="AUTOCOMMIT")
                return
            if write:
                conn = conn.execution_options(scim_write=True)
            with conn.begin():
                yield conn

    # -- helpers ------------------------------------------------------------------------------------
    def _unique_value(self, rtype: ResourceTypeDef, doc: Mapping[str, Any]) -> str | None:
        attrs = unique_attributes(rtype)
        if not attrs:
            return None
        value = doc.get(attrs[0].name)
        if value is None:
            return None
        text = str(value)
        return text if attrs[0].case_exact else text.lower()

    def _check_other_unique(
        self, conn: Connection, rtype: ResourceTypeDef, doc: Mapping[str, Any], directory: str
    ) -> None:
        """Unique attributes beyond the first (custom schemas) are checked inside the transaction."""
        for attr in unique_attributes(rtype)[1:]:
            value = doc.get(attr.name)
            if value is None:
                continue
            from scimcore.filter.ast import Compare

            condition = FilterCompiler(self.dialect, rtype, directory).compile(
                Compare(Path(None, attr), "eq", value)
            )
            clash = conn.execute(
                select(resources.c.id).where(self._scope(rtype, directory), condition, resources.c.id != doc["id"])
            ).first()
            if clash is not None:
                raise Uniqueness(f"A {rtype.name} with {attr.name} '{value}' already exists.")

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
            rows = conn.execute(
                select(members.c.group_id, members.c.member_id, members.c.member_type, members.c.display)
                .where(members.c.directory == directory, members.c.group_id.in_(chunk))
                .order_by(members.c.seq)
            )
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
        query = select(resources.c.version, resources.c.doc).where(self._scope(rtype, directory), resources.c.id == rid)
        if self.dialect.pg:
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"{rtype.name} '{rid}' not found.")
        return row[0], self._load_doc(row[1])

    # -- port ---------------------------------------------------------------------------------------
    def get(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        omit: frozenset[str] = frozenset(),
    ) -> Document | None:
        """The document with ``resource_id``, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(
                select(resources.c.doc).where(self._scope(rtype, directory), resources.c.id == resource_id)
            ).first()
            if row is None:
                return None
            return self._with_members(conn, rtype, [self._load_doc(row[0])], directory, omit)[0]

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = DEFAULT_DIRECTORY) -> Page:
        """Filter, sort and page in SQL when exact; otherwise filter and sort in Python."""
        with self._tx() as conn:
            try:
                page = self._search_sql(conn, rtype, query, directory)
            except NotPushable:
                page = self._search_python(conn, rtype, query, directory)
            if query.with_groups and page.resources:
                ids = [doc["id"] for doc in page.resources]
                page = replace(page, groups=self._groups_of_many(conn, ids, directory))
            return page

    def _sort_column(self, rtype: ResourceTypeDef, path: Path) -> Any:
        attr = path.attr
        if path.extension is None and attr.name == "id":
            return resources.c.id
        if path.extension is None and attr.name == "meta":
            column = {"created": resources.c.created, "lastModified": resources.c.last_modified}.get(
                path.sub.name if path.sub else ""
            )
            if column is None:
                raise NotPushable("sort on this meta attribute")
            return column
        target = path.target
        if attr.multi_valued or target.type not in ("string", "reference", "boolean") or (
            attr.is_complex and path.sub is None
        ):
            raise NotPushable("sort on a multi-valued, numeric or dateTime attribute")
        keys = [path.extension, attr.name] if path.extension else [attr.name]
        if path.sub is not None:
            keys.append(path.sub.name)
        value = self.dialect.text_at(resources.c.doc, keys)
        return value if target.case_exact or target.type == "boolean" else self.dialect.lower(value)

    def _search_sql(self, conn: Connection, rtype: ResourceTypeDef, query: Query, directory: str) -> Page:
        where = [self._scope(rtype, directory)]
        if query.filter is not None:
            where.append(FilterCompiler(self.dialect, rtype, directory).compile(query.filter))
        order: list[Any] = []
        if query.sort_by is not None:
            column = self._sort_column(rtype, query.sort_by)
            missing = case((column.is_(None), 1), else_=0)
            if self.dialect.pg:
                column = column.collate("C")  # code-point order, as the in-memory store sorts
            order = [missing, column.desc() if query.descending else column.asc()]
        order.append(resources.c.seq)
        def counted() -> int:
            if query.filter is None:
                stored = conn.execute(
                    select(counts.c.n).where(counts.c.directory == directory, counts.c.resource_type == rtype.name)
                ).scalar_one_or_none()
                return int(stored or 0)
            return int(conn.execute(select(func.count()).select_from(resources).where(*where)).scalar_one())

        count = query.count
        if query.after is not None and query.sort_by is None:
            return self._keyset_page(conn, rtype, query, directory, where, counted())
        try:
            start = offset_position(query)
        except ValueError:
            raise InvalidCursor(f"Cursor position {query.after!r} is not one this store issued.") from None
        if count == 0:
            return cursor_page(query, counted(), start, [])
        # The page and, with a filter, the number of matches in one statement (a window count).
        window = func.count().over() if query.filter is not None else literal_column("NULL")
        stmt = select(resources.c.doc, window).where(*where).order_by(*order).offset(start)
        if count is not None:
            stmt = stmt.limit(count)
        rows = conn.execute(stmt).all()
        docs = [self._load_doc(row[0]) for row in rows]
        if rows and query.filter is not None:
            total = int(rows[0][1])
        elif not rows and start == 0 and query.filter is not None:
            total = 0
        else:
            total = counted()
        return cursor_page(query, total, start, self._with_members(conn, rtype, docs, directory, query.omit))

    def _keyset_page(
        self, conn: Connection, rtype: ResourceTypeDef, query: Query, directory: str, where: list[Any], total: int
    ) -> Page:
        """Cursor paging in insertion order by keyset (``k:<seq>``): deep pages cost what the first one does."""
        after = 0
        if query.after:
            kind, _, number = query.after.partition(":")
            if kind != "k" or not number.isdigit():
                raise InvalidCursor(f"Cursor position {query.after!r} is not one this store issued.")
            after = int(number)
        count = query.count
        stmt = select(resources.c.seq, resources.c.doc).where(*where, resources.c.seq > after).order_by(resources.c.seq)
        if count is not None:
            stmt = stmt.limit(count + 1)
        rows = list(conn.execute(stmt))
        more = count is not None and len(rows) > count
        rows = rows[:count] if count is not None else rows
        docs = [self._load_doc(row[1]) for row in rows]
        following = f"k:{rows[-1][0]}" if more and rows else None
        before: str | None = None
        if after and count:
            previous = conn.execute(
                select(resources.c.seq)
                .where(*where, resources.c.seq <= after)
                .order_by(resources.c.seq.desc())
                .offset(count)
                .limit(1)
            ).first()
            before = f"k:{previous[0]}" if previous is not None else ""
        return Page(total, self._with_members(conn, rtype, docs, directory, query.omit), following, before)

    def _search_python(self, conn: Connection, rtype: ResourceTypeDef, query: Query, directory: str) -> Page:
        rows = conn.execute(
            select(resources.c.doc).where(self._scope(rtype, directory)).order_by(resources.c.seq)
        )
        docs = [self._load_doc(row[0]) for row in rows]
        needs_members = rtype.attr(MEMBERS) is not None
        if needs_members:
            docs = self._with_members(conn, rtype, docs, directory, frozenset())
        if query.filter is not None:
            predicate = compile_predicate(query.filter)
            if rtype.attr("groups") is not None and _mentions_groups(query.filter):
                docs = [d for d in docs if predicate({**d, "groups": self._groups(conn, d["id"], directory)})]
            else:
                docs = [d for d in docs if predicate(d)]
        if query.sort_by is not None:
            docs = sort_documents(docs, query.sort_by, query.descending)
        total = len(docs)
        try:
            start = offset_position(query)
        except ValueError:
            raise InvalidCursor(f"Cursor position {query.after!r} is not one this store issued.") from None
        stop = total if query.count is None else start + max(query.count, 0)
        page = docs[start:stop]
        if query.omit:
            page = [{k: v for k, v in d.items() if k not in query.omit} for d in page]
        return cursor_page(query, total, start, page)

    def _groups(self, conn: Connection, member_id: str, directory: str) -> list[dict[str, Any]]:
        rows = conn.execute(
            select(members.c.group_id).where(members.c.directory == directory, members.c.member_id == member_id)
        )
        return [{"value": row[0]} for row in rows]

    def create(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: Sequence[Event] = (),
    ) -> None:
        """Insert a new document, its members and its events in one transaction."""
        try:
            with self._tx(write=True) as conn:
                self._check_other_unique(conn, rtype, doc, directory)
                conn.execute(
                    insert(resources).values(
                        directory=directory, resource_type=rtype.name, id=doc["id"], **self._row_values(rtype, doc)
                    )
                )
                if rtype.attr(MEMBERS) is not None:
                    self._insert_members(conn, rtype, doc["id"], doc.get(MEMBERS) or [], directory)
                self._count(conn, rtype, directory, 1)
                self._append_events(conn, directory, events)
        except IntegrityError:
            raise self._uniqueness_error(rtype, doc) from None

    def replace(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        expected_version: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: Sequence[Event] = (),
    ) -> None:
        """Replace a document (and its member list) if its version is still ``expected_version``."""
        try:
            with self._tx(write=True) as conn:
                version, _ = self._lock_current(conn, rtype, doc["id"], directory)
                if version != expected_version:
                    raise _stale(rtype, doc["id"], version, expected_version)
                self._check_other_unique(conn, rtype, doc, directory)
                conn.execute(
                    update(resources)
                    .where(self._scope(rtype, directory), resources.c.id == doc["id"])
                    .values(**self._row_values(rtype, doc))
                )
                if rtype.attr(MEMBERS) is not None:
                    self._replace_members(conn, rtype, doc, directory)
                self._append_events(conn, directory, events)
        except IntegrityError:
            raise self._uniqueness_error(rtype, doc) from None

    def _replace_members(self, conn: Connection, rtype: ResourceTypeDef, doc: Document, directory: str) -> None:
        wanted = {m["value"]: m for m in doc.get(MEMBERS) or []}
        current = {
            row[0]: row
            for row in conn.execute(
                select(members.c.member_id, members.c.member_type, members.c.display).where(
                    members.c.directory == directory, members.c.group_id == doc["id"]
                )
            )
        }
        gone = [mid for mid in current if mid not in wanted]
        for start in range(0, len(gone), CHUNK):
            conn.execute(
                delete(members).where(
                    members.c.directory == directory,
                    members.c.group_id == doc["id"],
                    members.c.member_id.in_(gone[start : start + CHUNK]),
                )
            )
        for mid, item in wanted.items():
            row = current.get(mid)
            if row is not None and (row[1], row[2]) != (item.get("type"), item.get("display")):
                conn.execute(
                    update(members)
                    .where(
                        members.c.directory == directory, members.c.group_id == doc["id"], members.c.member_id == mid
                    )
                    .values(member_type=item.get("type"), display=item.get("display"))
                )
        self._insert_members(conn, rtype, doc["id"], [m for mid, m in wanted.items() if mid not in current], directory)

    def change_members(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        add: Iterable[Mapping[str, Any]],
        remove: Iterable[str],
        next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        expected_version: str | None,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: MemberEvents | None = None,
    ) -> tuple[list[str], list[str]]:
        """Add and remove members in O(changed); ``meta`` moves on only when something changed."""
        additions = {item["value"]: item for item in add}
        removals = [v for v in dict.fromkeys(remove) if v not in additions]
        with self._tx(write=True) as conn:
            version, doc = self._lock_current(conn, rtype, resource_id, directory)
            if expected_version is not None and version != expected_version:
                raise _stale(rtype, resource_id, version, expected_version)
            touched = list(additions) + removals
            present: set[str] = set()
            for start in range(0, len(touched), CHUNK):
                present.update(
                    row[0]
                    for row in conn.execute(
                        select(members.c.member_id).where(
                            members.c.directory == directory,
                            members.c.group_id == resource_id,
                            members.c.member_id.in_(touched[start : start + CHUNK]),
                        )
                    )
                )
            added = [v for v in additions if v not in present]
            removed = [v for v in removals if v in present]
            for start in range(0, len(removed), CHUNK):
                conn.execute(
                    delete(members).where(
                        members.c.directory == directory,
                        members.c.group_id == resource_id,
                        members.c.member_id.in_(removed[start : start + CHUNK]),
                    )
                )
            self._insert_members(conn, rtype, resource_id, [additions[v] for v in added], directory)
            if added or removed:
                meta = dict(next_meta(doc["meta"]))
                doc["meta"] = meta
                conn.execute(
                    update(resources)
                    .where(self._scope(rtype, directory), resources.c.id == resource_id)
                    .values(version=meta["version"], last_modified=meta["lastModified"], doc=doc)
                )
                if events is not None:
                    self._append_events(conn, directory, events(added, removed, doc))
            return added, removed

    def delete(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        expected_version: str | None,
        *,
        directory: str = DEFAULT_DIRECTORY,
        next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
        events: DeleteEvents | None = None,
    ) -> list[MemberRef]:
        """Delete a document, its members and every membership that mentions it; return the groups it left."""
        with self._tx(write=True) as conn:
            version, deleted = self._lock_current(conn, rtype, resource_id, directory)
            if expected_version is not None and version != expected_version:
                raise _stale(rtype, resource_id, version, expected_version)
            groups = conn.execute(
                select(resources.c.id, resources.c.resource_type, resources.c.doc)
                .join(members, _GROUP_OF_MEMBERSHIP)
                .where(members.c.directory == directory, members.c.member_id == resource_id)
                .order_by(members.c.seq)
            ).all()
            conn.execute(delete(resources).where(self._scope(rtype, directory), resources.c.id == resource_id))
            self._count(conn, rtype, directory, -1)
            conn.execute(
                delete(members).where(
                    members.c.directory == directory,
                    (members.c.group_id == resource_id) | (members.c.member_id == resource_id),
                )
            )
            left = []
            for gid, gtype, raw in groups:
                group = self._load_doc(raw)
                left.append(MemberRef(gid, group.get("displayName")))
                if next_meta is not None:
                    meta = dict(next_meta(group["meta"]))
                    group["meta"] = meta
                    conn.execute(
                        update(resources)
                        .where(
                            resources.c.directory == directory,
                            resources.c.resource_type == gtype,
                            resources.c.id == gid,
                        )
                        .values(version=meta["version"], last_modified=meta["lastModified"], doc=group)
                    )
            if events is not None:
                self._append_events(conn, directory, events(deleted, left))
            return left

    def groups_of(self, member_id: str, *, directory: str = DEFAULT_DIRECTORY) -> list[MemberRef]:
        """The groups listing ``member_id``, in the order they were joined."""
        return self.groups_of_many([member_id], directory=directory)[member_id]

    def groups_of_many(
        self, member_ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY
    ) -> dict[str, list[MemberRef]]:
        """The groups of each of ``member_ids``, in one query per chunk of ids."""
        with self._tx() as conn:
            return self._groups_of_many(conn, member_ids, directory)

    def _groups_of_many(
        self, conn: Connection, member_ids: Iterable[str], directory: str
    ) -> dict[str, list[MemberRef]]:
        wanted = list(dict.fromkeys(member_ids))
        found: dict[str, list[MemberRef]] = {m: [] for m in wanted}
        display = self.dialect.text_at(resources.c.doc, ["displayName"])
        for start in range(0, len(wanted), CHUNK):
            rows = conn.execute(
                select(members.c.member_id, members.c.group_id, display)
                .join(resources, _GROUP_OF_MEMBERSHIP)
                .where(members.c.directory == directory, members.c.member_id.in_(wanted[start : start + CHUNK]))
                .order_by(members.c.seq)
            )
            for member_id, group_id, name in rows:
                found[member_id].append(MemberRef(group_id, name))
        return found

    def resource_types_of(self, ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY) -> dict[str, str]:
        """For each of ``ids`` stored in ``directory``, the name of its resource type."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, str] = {}
        with self._tx() as conn:
            for start in range(0, len(wanted), CHUNK):
                rows = conn.execute(
                    select(resources.c.id, resources.c.resource_type).where(
                        resources.c.directory == directory, resources.c.id.in_(wanted[start : start + CHUNK])
                    )
                )
                found.update({rid: rtype for rid, rtype in rows})
        return found


    def _count(self, conn: Connection, rtype: ResourceTypeDef, directory: str, delta: int) -> None:
        """Keep ``scim_counts`` in step with inserts and deletes, in the same transaction (an upsert)."""
        if self.dialect.pg:
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        statement = upsert(counts).values(directory=directory, resource_type=rtype.name, n=max(delta, 0))
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[counts.c.directory, counts.c.resource_type], set_={"n": counts.c.n + delta}
            )
        )

    # -- outbox -------------------------------------------------------------------------------------
    def _append_events(self, conn: Connection, directory: str, batch: Iterable[Event]) -> None:
        rows = list(batch)
        if not rows:
            return
        webhook = conn.execute(
            select(directories.c.webhook_url).where(directories.c.id == directory)
        ).scalar_one_or_none()
        status = "pending" if webhook else "stored"
        conn.execute(
            insert(events_table),
            [
                {
                    "id": e.id,
                    "directory": e.directory_id,
                    "type": e.type,
                    "resource_key": e.resource_key,
                    "occurred_at": e.occurred_at,
                    "payload": e.payload(),
                    "status": status,
                    "attempts": 0,
                    "retry_at": 0.0,
                    "locked_until": 0.0,
                }
                for e in rows
            ],
        )

    @staticmethod
    def _stored(row: Any) -> StoredEvent:
        payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
        event = Event(
            id=payload["id"],
            type=payload["type"],
            directory_id=payload["directory_id"],
            occurred_at=payload["occurred_at"],
            data=payload["data"],
            resource_key=row.resource_key,
            tenant=payload.get("tenant"),
            product=payload.get("product"),
        )
        return StoredEvent(int(row.seq), event, row.status, int(row.attempts), row.last_error)

    def claim_events(
        self, now: float, limit: int, lease_seconds: float, *, exclude: Collection[str] = ()
    ) -> list[StoredEvent]:
        """Lease due events, the oldest undelivered one per resource key, none of ``exclude``.

        Safe across processes: PostgreSQL skips rows another dispatcher holds locked.
        """
        e, earlier = events_table, events_table.alias("earlier")
        blocked = (
            select(literal_column("1"))
            .select_from(earlier)
            .where(
                earlier.c.directory == e.c.directory,
                earlier.c.resource_key == e.c.resource_key,
                earlier.c.status == "pending",
                earlier.c.seq < e.c.seq,
            )
            .exists()
        )
        query = (
            select(e)
            .where(e.c.status == "pending", e.c.retry_at <= now, e.c.locked_until <= now, ~blocked)
            .order_by(e.c.seq)
            .limit(limit)
        )
        if exclude:
            query = query.where(e.c.directory.not_in(sorted(exclude)))
        if self.dialect.pg:
            query = query.with_for_update(skip_locked=True, of=e)
        with self._tx(write=True) as conn:
            rows = conn.execute(query).all()
            if rows:
                conn.execute(
                    update(e).where(e.c.seq.in_([r.seq for r in rows])).values(locked_until=now + lease_seconds)
                )
            return [self._stored(r) for r in rows]

    def mark_delivered(self, seq: int) -> None:
        """Record a successful delivery."""
        with self._tx(write=True) as conn:
            conn.execute(
                update(events_table)
                .where(events_table.c.seq == seq)
                .values(status="delivered", locked_until=0.0, attempts=events_table.c.attempts + 1)
            )

    def mark_failed(self, seq: int, error: str, retry_at: float | None) -> None:
        """Record a failed attempt; without ``retry_at`` the event is dead-lettered."""
        values: dict[str, Any] = {"locked_until": 0.0, "attempts": events_table.c.attempts + 1, "last_error": error}
        if retry_at is None:
            values["status"] = "dead"
        else:
            values["retry_at"] = retry_at
        with self._tx(write=True) as conn:
            conn.execute(update(events_table).where(events_table.c.seq == seq).values(**values))

    def list_events(
        self, directory: str, *, since: int = 0, limit: int = 100, status: str | None = None
    ) -> list[StoredEvent]:
        """Events of ``directory`` after sequence number ``since``, oldest first."""
        query = (
            select(events_table)
            .where(events_table.c.directory == directory, events_table.c.seq > since)
            .order_by(events_table.c.seq)
            .limit(limit)
        )
        if status is not None:
            query = query.where(events_table.c.status == status)
        with self._tx() as conn:
            return [self._stored(r) for r in conn.execute(query)]

    def requeue_events(self, directory: str, *, since_time: str) -> int:
        """Queue every event of ``directory`` from ``since_time`` on for delivery again."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(events_table)
                .where(events_table.c.directory == directory, events_table.c.occurred_at >= since_time)
                .values(status="pending", retry_at=0.0, locked_until=0.0)
            )
            return int(result.rowcount or 0)

    # -- directories --------------------------------------------------------------------------------
    @staticmethod
    def _directory(row: Any) -> Directory:
        options = row.options if isinstance(row.options, dict) else json.loads(row.options or "{}")
        return Directory(
            id=row.id,
            name=row.name,
            provider=row.provider,
            tenant=row.tenant,
            product=row.product,
            active=bool(row.active),
            created=row.created,
            webhook_url=row.webhook_url,
            webhook_secret=row.webhook_secret,
            options=options,
        )

    def save_directory(self, directory: Directory) -> None:
        """Insert or update a directory."""
        values = {
            "name": directory.name,
            "provider": directory.provider,
            "tenant": directory.tenant,
            "product": directory.product,
            "active": directory.active,
            "created": directory.created,
            "webhook_url": directory.webhook_url,
            "webhook_secret": directory.webhook_secret,
            "options": dict(directory.options),
        }
        with self._tx(write=True) as conn:
            found = conn.execute(update(directories).where(directories.c.id == directory.id).values(**values))
            if not found.rowcount:
                conn.execute(insert(directories).values(id=directory.id, **values))

    def get_directory(self, directory_id: str) -> Directory | None:
        """The directory with ``directory_id``, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(select(directories).where(directories.c.id == directory_id)).first()
            return self._directory(row) if row is not None else None

    def list_directories(self) -> list[Directory]:
        """Every directory in creation order."""
        with self._tx() as conn:
            return [self._directory(r) for r in conn.execute(select(directories).order_by(directories.c.seq))]

    def delete_directory(self, directory_id: str) -> None:
        """Remove a directory and everything in it, in one transaction."""
        with self._tx(write=True) as conn:
            conn.execute(delete(members).where(members.c.directory == directory_id))
            conn.execute(delete(resources).where(resources.c.directory == directory_id))
            conn.execute(delete(events_table).where(events_table.c.directory == directory_id))
            conn.execute(delete(tokens).where(tokens.c.directory_id == directory_id))
            conn.execute(delete(counts).where(counts.c.directory == directory_id))
            conn.execute(delete(directories).where(directories.c.id == directory_id))

    def add_token(self, record: TokenRecord) -> None:
        """Keep a token digest."""
        with self._tx(write=True) as conn:
            conn.execute(
                insert(tokens).values(
                    digest=record.digest, directory_id=record.directory_id, created=record.created, revoked=False
                )
            )

    def revoke_tokens(self, directory_id: str, keep: str | None = None) -> int:
        """Revoke the directory's tokens except ``keep``."""
        condition = and_(tokens.c.directory_id == directory_id, tokens.c.revoked.is_(False))
        if keep is not None:
            condition = and_(condition, tokens.c.digest != keep)
        with self._tx(write=True) as conn:
            return int(conn.execute(update(tokens).where(condition).values(revoked=True)).rowcount or 0)

    def find_token(self, digest: str) -> TokenRecord | None:
        """The live token with ``digest``."""
        with self._tx() as conn:
            row = conn.execute(
                select(tokens).where(tokens.c.digest == digest, tokens.c.revoked.is_(False))
            ).first()
            return TokenRecord(row.digest, row.directory_id, row.created, bool(row.revoked)) if row else None


def _stale(rtype: ResourceTypeDef, resource_id: str, version: str, expected: str) -> PreconditionFailed:
    return PreconditionFailed(f"{rtype.name} '{resource_id}' is at version {version}, not {expected}.")


def _mentions_groups(expr: Any) -> bool:
    from scimcore.filter.ast import Compare, Present, ValuePath, walk

    for node in walk(expr):
        if isinstance(node, Compare | Present) and node.path.attr.name == "groups":
            return True
        if isinstance(node, ValuePath) and node.attr.name == "groups":
            return True
    return False

