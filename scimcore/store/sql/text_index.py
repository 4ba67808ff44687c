"""The substring index of SQLite: ``co``, ``sw`` and ``ew`` filters find their candidates by trigram.

RFC 7644 §3.4.2.2 ``co``, ``sw`` and ``ew`` on ``userName`` (or a resource type's first unique attribute),
``displayName``, ``externalId`` and ``emails.value`` would otherwise read every document of the resource type.
An FTS5 table with the trigram tokenizer (``scim_text``, one row per resource, its rowid the resource's
``seq``) holds each of those values in the form the filter compares: the folded unique value
(``unique_value``), ``displayName`` and the ``value`` of every e-mail lower-cased as Python lower-cases,
``externalId`` as it is.  Triggers on ``scim_resources`` keep it in step inside the writing transaction, so
every write path — creates, replaces, member changes, deletes, a directory's deletion — updates it without
knowing it exists.

A term that can use it becomes *its own exact condition* ``AND`` *rowid among the index's candidates*.  The
candidates are a superset of the matches (a value containing the needle contains each of its trigrams, in
order), so the conjunction means exactly what the exact condition means, under ``not`` and ``or`` too:
the index only narrows what SQLite reads.  Needles shorter than three characters, and databases whose SQLite
lacks FTS5, compare by scan as before.

Owns: the index's DDL and triggers (a migration step), whether a database has it, and the candidate condition.
Must not: decide what a filter means (:mod:`scimcore.store.sql.compile` does) or run on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, column, literal, literal_column, select, table
from sqlalchemy.exc import OperationalError

from scimcore.filter.ast import Compare
from scimcore.schema.folding import fold, folds
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store.port import unique_attributes

TABLE = "scim_text"

# The indexed form of a resource row's values, for the trigger bodies (``new`` is the row written).
_VALUES = (
    "new.seq, new.unique_value, scim_lower(json_extract(new.doc, '$.displayName')), new.external_id, "
    "(SELECT group_concat(scim_lower(json_extract(e.value, '$.value')), char(10)) "
    "FROM json_each(new.doc, '$.emails') AS e WHERE e.type = 'object')"
)
_COLUMNS = "rowid, uniq, display, external, emails"

DDL = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(uniq, display, external, emails, "
    "tokenize = 'trigram case_sensitive 1')",
    f"CREATE TRIGGER scim_text_insert AFTER INSERT ON scim_resources BEGIN "
    f"INSERT INTO {TABLE}({_COLUMNS}) VALUES ({_VALUES}); END",
    f"CREATE TRIGGER scim_text_update AFTER UPDATE OF unique_value, external_id, doc ON scim_resources BEGIN "
    f"DELETE FROM {TABLE} WHERE rowid = old.seq; "
    f"INSERT INTO {TABLE}({_COLUMNS}) VALUES ({_VALUES}); END",
    f"CREATE TRIGGER scim_text_delete AFTER DELETE ON scim_resources BEGIN "
    f"DELETE FROM {TABLE} WHERE rowid = old.seq; END",
)
"""The index and the triggers that keep it."""

BACKFILL = f"INSERT INTO {TABLE}({_COLUMNS}) SELECT {_VALUES.replace('new.', 'r.')} FROM scim_resources AS r"
"""Index the rows a database held before the index existed."""

MIN_NEEDLE = 3
"""The shortest needle the trigram tokenizer can look up."""

_text = table(TABLE, column("rowid"))


def create(conn: Connection) -> None:
    """Create the index and its triggers on a SQLite database and index its rows; nothing without FTS5."""
    if conn.dialect.name != "sqlite":
        return
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(DDL[0])
    except OperationalError as exc:
        if "no such module" in str(exc).lower():
            return  # this SQLite has no FTS5: substring filters keep scanning
        raise
    for statement in DDL[1:]:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(BACKFILL)


def present(conn: Connection) -> bool:
    """Whether this SQLite database has the index."""
    found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,))
    return found.first() is not None


def candidates(rtype: ResourceTypeDef, node: Compare, seq: ColumnElement[Any]) -> ColumnElement[bool] | None:
    """``seq`` (the resource row's) among the index's candidates for ``node``; ``None`` if it cannot narrow it."""
    if node.op not in ("co", "sw", "ew") or not isinstance(node.value, str) or node.path.extension is not None:
        return None
    found = _column_and_needle(rtype, node)
    if found is None or len(found[1]) < MIN_NEEDLE:
        return None
    name, needle = found
    query = f'{name} : "' + needle.replace('"', '""') + '"'
    matching = select(_text.c.rowid).where(literal_column(TABLE).op("MATCH")(literal(query)))
    return seq.in_(matching)


def _column_and_needle(rtype: ResourceTypeDef, node: Compare) -> tuple[str, str] | None:
    """The index column holding the compared values and the needle in that column's form."""
    attr, sub, value = node.path.attr, node.path.sub, node.value
    assert isinstance(value, str)
    unique = unique_attributes(rtype)
    if unique and attr is unique[0] and sub is None:
        return "uniq", fold(value) if folds(attr) else value
    if attr.name == "displayName" and sub is None and not attr.case_exact:
        return "display", value.lower()
    if attr.name == "externalId" and sub is None and attr.case_exact:
        return "external", value
    if attr.name == "emails" and sub is not None and sub.name == "value" and not sub.case_exact:
        return "emails", value.lower()
    return None

