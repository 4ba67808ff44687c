"""The read half of the resources port in SQL: get, search and the reverse look-ups (RFC 7644 §3.4).

Filters are pushed down to SQL when they can be expressed exactly (:mod:`scimcore.store.sql.compile`); any
other filter, and deep ones, run through the shared in-Python query path (:mod:`scimcore.store.scan`), so
both give the same answer.  Cursor pages (RFC 9865) use the row sequence as a keyset.

Owns: get, search, groups_of, groups_of_many and resource_types_of.
Must not: write.
"""


from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    func,
    literal_column,
    select,
)

from scimcore.errors import InvalidCursor
from scimcore.filter.ast import Compare, Path, mentions
from scimcore.schema.folding import fold, folds
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store import scan
from scimcore.store.port import (
    DEFAULT_DIRECTORY,
    Document,
    MemberRef,
    Page,
    Query,
    cursor_page,
    offset_position,
    unique_attributes,
)
from scimcore.store.ports import SUMMARY_KEYS
from scimcore.store.sql.compile import FilterCompiler, NotPushable
from scimcore.store.sql.rows import CHUNK, MEMBERS, SqlRows
from scimcore.store.sql.schema import counts, members, resources


def _unique_eq(rtype: ResourceTypeDef, query: Query) -> str | None:
    """The ``unique_value`` a query looks up, when it is ``eq`` on the unique attribute and nothing more.

    The same condition :class:`~scimcore.store.sql.compile.FilterCompiler` makes of that filter (the value
    folded unless caseExact), for a query in insertion order by index.
    """
    node = query.filter
    if not isinstance(node, Compare) or node.op != "eq" or not isinstance(node.value, str):
        return None
    if query.sort_by is not None or query.after is not None or query.count == 0:
        return None
    path = node.path
    if path.extension is not None or path.sub is not None or path.attr.name in ("id", "meta", "members", "groups"):
        return None
    unique = unique_attributes(rtype)
    if not unique or path.attr is not unique[0]:
        return None
    return fold(node.value) if folds(path.attr) else node.value


class SqlReads(SqlRows):
    """Reads of resources; composed into :class:`~scimcore.store.sql.SqlStore`."""

    def get(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        omit: frozenset[str] = frozenset(),
    ) -> Document | None:
        """The document with ``resource_id``, or ``None``."""
        single = rtype.attr(MEMBERS) is None or MEMBERS in omit
        with self._tx(single=single) as conn:
            row = self._sql.doc_by_id(conn, {"directory": directory, "rtype": rtype.name, "id": resource_id}).first()
            if row is None:
                return None
            return self._with_members(conn, rtype, [self._load_doc(row[0])], directory, omit)[0]

    def get_with_groups(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        omit: frozenset[str] = frozenset(),
    ) -> tuple[Document, list[MemberRef]] | None:
        """:meth:`get` and :meth:`groups_of` of one resource in one statement (a row per group it joined)."""
        if rtype.attr(MEMBERS) is not None and MEMBERS not in omit:
            found = self.get(rtype, resource_id, directory=directory, omit=omit)
            return None if found is None else (found, self.groups_of(resource_id, directory=directory))
        with self._tx(single=True) as conn:
            params = {"directory": directory, "rtype": rtype.name, "id": resource_id}
            rows = self._sql.doc_with_groups(conn, params).all()
        if not rows:
            return None
        return self._load_doc(rows[0][0]), [MemberRef(gid, name) for _, gid, name in rows if gid is not None]

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = DEFAULT_DIRECTORY) -> Page:
        """Filter, sort and page in SQL when exact; otherwise filter and sort in Python."""
        value = _unique_eq(rtype, query)
        if value is not None and query.start_index <= 1 and (rtype.attr(MEMBERS) is None or MEMBERS in query.omit):
            with self._tx(single=True) as conn:
                return self._unique_first_page(conn, rtype, query, directory, value)
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
        value = _unique_eq(rtype, query)
        if value is not None:
            return self._unique_lookup(conn, rtype, query, directory, value)
        where = [self._scope(rtype, directory)]
        if query.filter is not None:
            compiler = FilterCompiler(self.dialect, rtype, directory)
            where.append(compiler.compile(query.filter))
            if compiler.narrowed:
                # ``directory || ''`` keeps SQLite from reading the whole resource type through its index
                # when the trigram index names a handful of candidate rows (a rowid lookup each).
                scope = resources.c.directory.concat("") == directory
                where[0] = and_(scope, resources.c.resource_type == rtype.name)
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

    def _unique_first_page(
        self, conn: Connection, rtype: ResourceTypeDef, query: Query, directory: str, value: str
    ) -> Page:
        """The first page of a lookup by unique value, with its groups when asked for, in one statement.

        The unique index (``uq_scim_resources_unique_value``) holds at most one such resource, so the page is
        that resource or nothing; ``with_groups`` reads its groups in the same statement (a row per group).
        """
        params = {"directory": directory, "rtype": rtype.name, "value": value}
        if not query.with_groups:
            row = self._sql.unique_one(conn, params).first()
            if row is None:
                return Page(0, [])
            return Page(1, self._with_members(conn, rtype, [self._load_doc(row[0])], directory, query.omit))
        rows = self._sql.unique_with_groups(conn, params).all()
        if not rows:
            return Page(0, [], groups={})
        doc = self._load_doc(rows[0][0])
        refs = [MemberRef(group_id, name) for _, group_id, name in rows if group_id is not None]
        return Page(1, self._with_members(conn, rtype, [doc], directory, query.omit), groups={doc["id"]: refs})

    def _unique_lookup(
        self, conn: Connection, rtype: ResourceTypeDef, query: Query, directory: str, value: str
    ) -> Page:
        """The lookup IdPs send before provisioning (``userName eq "..."``), by prepared statements."""
        start = offset_position(query)
        params = {"directory": directory, "rtype": rtype.name, "value": value, "offset": start, "limit": query.count}
        rows = conn.execute(self._sql.unique_from if query.count is None else self._sql.unique_page, params).all()
        if rows:
            total = int(rows[0][1])
        elif start == 0:
            total = 0
        else:
            total = int(conn.execute(self._sql.unique_count, params).scalar_one())
        docs = [self._load_doc(row[0]) for row in rows]
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
        """The shared in-Python query path over every row of the type (a filter SQL cannot answer exactly)."""
        rows = conn.execute(
            select(resources.c.doc).where(self._scope(rtype, directory)).order_by(resources.c.seq)
        )
        docs = [self._load_doc(row[0]) for row in rows]
        if rtype.attr(MEMBERS) is not None:
            docs = self._with_members(conn, rtype, docs, directory, frozenset())
        view = None
        if query.filter is not None and rtype.attr("groups") is not None and mentions(query.filter, "groups"):

            def view(doc: Document) -> Document:
                return {**doc, "groups": self._groups(conn, doc["id"], directory)}

        return scan.scan(docs, query, view)

    def _groups(self, conn: Connection, member_id: str, directory: str) -> list[dict[str, Any]]:
        rows = conn.execute(
            select(members.c.group_id).where(members.c.directory == directory, members.c.member_id == member_id)
        )
        return [{"value": row[0]} for row in rows]


    def groups_of(self, member_id: str, *, directory: str = DEFAULT_DIRECTORY) -> list[MemberRef]:
        """The groups listing ``member_id``, in the order they were joined."""
        return self.groups_of_many([member_id], directory=directory)[member_id]

    def groups_of_many(
        self, member_ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY
    ) -> dict[str, list[MemberRef]]:
        """The groups of each of ``member_ids``, in one query per chunk of ids."""
        wanted = list(dict.fromkeys(member_ids))
        with self._tx(single=len(wanted) <= CHUNK) as conn:
            return self._groups_of_many(conn, wanted, directory)

    def _groups_of_many(
        self, conn: Connection, member_ids: Iterable[str], directory: str
    ) -> dict[str, list[MemberRef]]:
        wanted = list(dict.fromkeys(member_ids))
        found: dict[str, list[MemberRef]] = {m: [] for m in wanted}
        if len(wanted) == 1:
            for member_id, group_id, name in self._sql.groups_of_one(conn, {"directory": directory, "id": wanted[0]}):
                found[member_id].append(MemberRef(group_id, name))
            return found
        for start in range(0, len(wanted), CHUNK):
            rows = conn.execute(self._sql.groups_of, {"directory": directory, "ids": wanted[start : start + CHUNK]})
            for member_id, group_id, name in rows:
                found[member_id].append(MemberRef(group_id, name))
        return found

    def summaries_of(self, ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY) -> dict[str, dict[str, Any]]:
        """Each stored id's type and :data:`~scimcore.store.ports.SUMMARY_KEYS`, one statement per chunk of ids."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, dict[str, Any]] = {}
        with self._tx(single=len(wanted) <= CHUNK) as conn:
            for start in range(0, len(wanted), CHUNK):
                rows = conn.execute(self._sql.summaries, {"directory": directory, "ids": wanted[start : start + CHUNK]})
                for rid, type_name, *values in rows:
                    named = {k: v for k, v in zip(SUMMARY_KEYS, values, strict=True) if v}
                    found[rid] = {"id": rid, "type": type_name, **named}
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
