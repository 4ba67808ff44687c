"""Filter push-down: the bound filter AST (RFC 7644 §3.4.2.2) compiled to SQL for SQLite and PostgreSQL.

Every node either compiles to an exact SQL expression or raises :class:`NotPushable`; the store then
evaluates that filter in Python instead.  Nothing is ever dropped or approximated: a filter either runs
wholly in SQL with the same semantics as :mod:`scimcore.filter.evaluate`, or wholly in Python.

Semantics carried over: ``caseExact`` decides whether both sides are lower-cased (with Python's Unicode
``str.lower`` on SQLite, registered as ``scim_lower``); a multi-valued attribute matches when any value does
(``EXISTS`` over ``json_each`` / ``jsonb_array_elements``); ``ne`` is ``NOT`` of ``eq`` with NULL read as
false; ``pr`` needs a non-empty value; group members and a user's groups are read from the membership table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.expression import FromClause

from scimcore.filter.ast import And, Compare, Expr, Not, Or, Path, Present, ValuePath
from scimcore.schema.folding import fold, folds
from scimcore.schema.registry import AttributeDef, ResourceTypeDef
from scimcore.store.port import unique_attributes
from scimcore.store.sql import text_index
from scimcore.store.sql.schema import members, resources


class NotPushable(Exception):
    """The filter (or sort) cannot be expressed exactly in SQL; evaluate it in Python."""


def format_meta_datetime(value: datetime) -> str:
    """A dateTime in the fixed form the service writes into ``meta`` (UTC, milliseconds, ``Z``)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class Dialect:
    """JSON access for one database; ``postgresql`` or ``sqlite``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pg = name == "postgresql"
        #: Whether the database has SQLite's trigram index (:mod:`~scimcore.store.sql.text_index`).
        self.text_index = False

    # -- JSON access ---------------------------------------------------------------------------------
    def text_at(self, doc: Any, keys: list[str]) -> ColumnElement[Any]:
        """The scalar at ``keys`` as SQL (text for strings; numbers and 0/1 booleans on SQLite)."""
        if self.pg:
            return func.jsonb_extract_path_text(doc, *[literal(k) for k in keys])
        return func.json_extract(doc, _sqlite_path(keys))

    def type_at(self, doc: Any, keys: list[str]) -> ColumnElement[Any]:
        """The JSON type name at ``keys`` (NULL when absent)."""
        if self.pg:
            return func.jsonb_typeof(func.jsonb_extract_path(doc, *[literal(k) for k in keys]))
        return func.json_type(doc, _sqlite_path(keys))

    def elements(self, doc: Any, keys: list[str]) -> FromClause:
        """A table of the elements of the array at ``keys``, with a ``value`` column."""
        if self.pg:
            from sqlalchemy import case
            from sqlalchemy import cast as sql_cast

            arr = func.jsonb_extract_path(doc, *[literal(k) for k in keys]) if keys else doc
            safe = case((func.jsonb_typeof(arr) == "array", arr), else_=sql_cast(literal("[]"), JSONB))
            return func.jsonb_array_elements(safe).table_valued("value").alias()
        return func.json_each(doc, _sqlite_path(keys)).table_valued("value", "type").alias()

    def element_text(self, element: FromClause, sub: str | None) -> ColumnElement[Any]:
        """The element itself (simple arrays) or its sub-attribute ``sub`` as SQL."""
        value = element.c.value
        if sub is None:
            if self.pg:
                return value.op("#>>")(literal_column("'{}'::text[]"))
            return value
        if self.pg:
            return func.jsonb_extract_path_text(value, literal(sub))
        return func.json_extract(value, _sqlite_path([sub]))

    def element_type(self, element: FromClause, sub: str | None) -> ColumnElement[Any]:
        """The JSON type of an element or of its sub-attribute."""
        value = element.c.value
        if self.pg:
            return func.jsonb_typeof(value if sub is None else func.jsonb_extract_path(value, literal(sub)))
        if sub is None:
            return element.c.type
        return func.json_type(value, _sqlite_path([sub]))

    def lower(self, expr: Any) -> ColumnElement[Any]:
        """Unicode lower-casing, matching Python's ``str.lower``.

        PostgreSQL's ``lower`` turns U+0130 (capital I with dot above) into a plain ``i`` where Python gives
        ``i`` and U+0307 (combining dot above); it is spelled out first, so the two agree.  (They still differ
        on a word-final capital sigma, which Python lower-cases to ``ς`` and PostgreSQL to ``σ``.)
        """
        if self.pg:
            return func.lower(func.replace(expr, "\u0130", "i\u0307"))
        return func.scim_lower(expr)

    def boolean(self, value: bool) -> Any:
        """How a JSON boolean reads back from :meth:`text_at`."""
        if self.pg:
            return "true" if value else "false"
        return 1 if value else 0

    def number(self, expr: Any, json_type: Any) -> ColumnElement[Any]:
        """A numeric view of a JSON scalar, NULL unless it is a number."""
        if self.pg:
            from sqlalchemy import Numeric, case
            from sqlalchemy import cast as sql_cast

            return case((json_type == "number", sql_cast(expr, Numeric)), else_=None)
        from sqlalchemy import case

        return case((json_type.in_(("integer", "real")), expr), else_=None)


def _sqlite_path(keys: list[str]) -> str:
    return "$" + "".join('."' + k.replace('"', '""') + '"' for k in keys)


MAX_SQL_NESTING = 12
"""The deepest ``not`` / value-path nesting compiled to SQL; deeper filters are evaluated in Python."""


def _nesting(expr: Expr) -> int:
    """How deeply ``not`` and value paths nest in ``expr`` (``and`` / ``or`` add no level), without recursion."""
    deepest = 0
    stack: list[tuple[Expr, int]] = [(expr, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, And | Or):
            stack.extend(((node.left, depth), (node.right, depth)))
        elif isinstance(node, Not):
            stack.append((node.expr, depth + 1))
        elif isinstance(node, ValuePath):
            stack.append((node.filter, depth + 1))
    return deepest


class FilterCompiler:
    """Compiles bound filter ASTs for one resource type to SQL over ``scim_resources``."""

    def __init__(self, dialect: Dialect, rtype: ResourceTypeDef, directory: str) -> None:
        self.d = dialect
        self.rtype = rtype
        self.directory = directory
        #: Whether a term every match must satisfy (one reached through ``and`` only) was narrowed by the
        #: trigram index: then the index's candidates are the cheapest way into the rows.
        self.narrowed = False
        self._conjunct = True

    def compile(self, expr: Expr) -> ColumnElement[bool]:
        """The SQL condition for ``expr``; raises :class:`NotPushable`.

        A filter nesting ``not`` / value paths deeper than :data:`MAX_SQL_NESTING` is not pushed down:
        SQLite's parser stack overflows on about 30 nested ``NOT (...)``, well inside the filter engine's
        depth limit of 50, so such a filter runs in Python, exactly.
        """
        if _nesting(expr) > MAX_SQL_NESTING:
            raise NotPushable("the filter nests deeper than the SQL push-down takes")
        return self._node(expr, None)

    # -- nodes --------------------------------------------------------------------------------------
    def _node(self, node: Expr, scope: FromClause | None) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(self._node(node.left, scope), self._node(node.right, scope))
        if self._conjunct and isinstance(node, Or | Not | ValuePath):
            self._conjunct = False
            try:
                return self._node(node, scope)
            finally:
                self._conjunct = True
        if isinstance(node, Or):
            return or_(self._node(node.left, scope), self._node(node.right, scope))
        if isinstance(node, Not):
            return not_(func.coalesce(self._node(node.expr, scope), false()))
        if isinstance(node, ValuePath):
            if node.attr.name in ("members", "groups") and node.extension is None:
                return self._membership(Path(node.extension, node.attr), node.filter)
            element = self.d.elements(resources.c.doc, self._keys(node.extension, node.attr))
            return exists(select(literal(1)).select_from(element).where(self._node(node.filter, element)))
        if isinstance(node, Compare) and node.value is None:
            present = self._node(Present(node.path), scope)
            return not_(func.coalesce(present, false())) if node.op == "eq" else present
        if isinstance(node, Compare) and node.op == "ne":
            # "ne" is the negation of "eq" (for multi-valued attributes: of "some value eq").
            return not_(func.coalesce(self._node(Compare(node.path, "eq", node.value), scope), false()))
        if isinstance(node, Compare | Present):
            if scope is not None:
                return self._leaf(node, self.d.element_text(scope, node.path.target.name),
                                  self.d.element_type(scope, node.path.target.name))
            return self._doc_leaf(node)
        raise NotPushable(f"unknown node {type(node).__name__}")

    def _keys(self, extension: str | None, attr: AttributeDef) -> list[str]:
        return [extension, attr.name] if extension else [attr.name]

    def _doc_leaf(self, node: Compare | Present) -> ColumnElement[bool]:
        exact = self._exact_leaf(node)
        if self.d.text_index and isinstance(node, Compare):
            narrowed = text_index.candidates(self.rtype, node, resources.c.seq)
            if narrowed is not None:
                self.narrowed = self.narrowed or self._conjunct
                return and_(exact, narrowed)  # the candidates hold every match: the meaning stays exact's
        return exact

    def _exact_leaf(self, node: Compare | Present) -> ColumnElement[bool]:
        path = node.path
        attr = path.attr
        if path.extension is None:
            if attr.name == "id":
                return self._leaf(node, resources.c.id, literal("string"))
            if attr.name == "meta":
                return self._meta(node)
            if attr.name in ("members", "groups"):
                return self._membership(path, node)
            indexed = self._indexed_column(node)
            if indexed is not None:
                return indexed
            if folds(attr) and isinstance(node, Compare):
                return self._folded(node)
        keys = self._keys(path.extension, attr)
        if attr.multi_valued:
            element = self.d.elements(resources.c.doc, keys)
            sub = path.sub.name if path.sub else None
            condition = self._leaf(node, self.d.element_text(element, sub), self.d.element_type(element, sub))
            return exists(select(literal(1)).select_from(element).where(condition))
        if path.sub is not None:
            keys = [*keys, path.sub.name]
        return self._leaf(node, self.d.text_at(resources.c.doc, keys), self.d.type_at(resources.c.doc, keys))

    def _indexed_column(self, node: Compare | Present) -> ColumnElement[bool] | None:
        """``eq`` on the unique attribute or on ``externalId`` as a lookup on its indexed column."""
        if not isinstance(node, Compare) or node.op != "eq" or not isinstance(node.value, str):
            return None
        attr = node.path.attr
        unique = unique_attributes(self.rtype)
        if unique and attr is unique[0] and node.path.sub is None:
            wanted = fold(node.value) if folds(attr) else node.value
            return _b(resources.c.unique_value == wanted)
        if attr.name == "externalId" and attr.case_exact and node.path.sub is None:
            return _b(resources.c.external_id == node.value)
        return None

    def _folded(self, node: Compare) -> ColumnElement[bool]:
        """A term on a folding attribute (:func:`~scimcore.schema.folding.folds`) over its folded column.

        Only the first unique attribute has one (``unique_value``); a term on another folding attribute
        (a second unique attribute of a custom schema) runs in Python, exactly.
        """
        unique = unique_attributes(self.rtype)
        if not unique or node.path.attr is not unique[0]:
            raise NotPushable("a folded comparison on an attribute without a folded column")
        if not isinstance(node.value, str):
            raise NotPushable("non-string comparison on a string attribute")
        folded = Compare(node.path, node.op, fold(node.value))
        return self._compare_text(folded, resources.c.unique_value, case_exact=True)

    def _meta_columns(self) -> dict[str, Any]:
        """The columns ``meta.created``, ``meta.lastModified`` and ``meta.version`` are kept in."""
        return {"created": resources.c.created, "lastModified": resources.c.last_modified,
                "version": resources.c.version}

    def _meta(self, node: Compare | Present) -> ColumnElement[bool]:
        sub = node.path.sub.name if node.path.sub else None
        column = self._meta_columns().get(sub or "")
        if sub == "resourceType":
            value: ColumnElement[Any] = literal(self.rtype.name)
        elif column is not None:
            value = column
        else:
            raise NotPushable("meta.location is not stored")
        if isinstance(node, Compare) and isinstance(node.value, datetime):
            node = Compare(node.path, node.op, format_meta_datetime(node.value))
            return self._compare_text(node, value, case_exact=True)
        return self._leaf(node, value, literal("string"))

    def _membership(self, path: Path, node: Expr) -> ColumnElement[bool]:
        """``members`` of a group, or the computed ``groups`` of a member, from the membership table."""
        if path.attr.name == "members":
            base = and_(members.c.directory == self.directory, members.c.group_id == resources.c.id)
            mapping = {"value": members.c.member_id, "type": members.c.member_type, "display": members.c.display}
        else:
            base = and_(members.c.directory == self.directory, members.c.member_id == resources.c.id)
            mapping = {"value": members.c.group_id}
        inner = node.filter if isinstance(node, ValuePath) else node
        condition = self._member_condition(inner, mapping)
        return exists(select(literal(1)).select_from(members).where(and_(base, condition)))

    def _member_condition(self, node: Expr, mapping: dict[str, Any]) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(self._member_condition(node.left, mapping), self._member_condition(node.right, mapping))
        if isinstance(node, Or):
            return or_(self._member_condition(node.left, mapping), self._member_condition(node.right, mapping))
        if isinstance(node, Not):
            return not_(func.coalesce(self._member_condition(node.expr, mapping), false()))
        if isinstance(node, Compare) and (node.op == "ne" or node.value is None):
            raise NotPushable("ne and null comparisons inside a membership filter")
        if isinstance(node, Present) and node.path.sub is None:
            return true()  # any membership row at all
        if isinstance(node, Compare | Present):
            name = node.path.target.name
            column = mapping.get(name)
            if column is None:
                raise NotPushable(f"{node.path.attr.name}.{name} is not in the membership table")
            return self._leaf(node, column, literal("string"))
        raise NotPushable("nested value filter on members")

    # -- leaves -------------------------------------------------------------------------------------
    def _leaf(self, node: Compare | Present, value: Any, json_type: Any) -> ColumnElement[bool]:
        target = node.path.target
        if isinstance(node, Present):
            text_type = "string" if self.d.pg else "text"
            return and_(value.is_not(None), json_type != "null", or_(json_type != text_type, value != ""))
        kind = target.type
        if kind == "boolean":
            if not isinstance(node.value, bool) or node.op != "eq":
                raise NotPushable("boolean comparison")
            return _b(value == self.d.boolean(node.value))
        if kind in ("integer", "decimal"):
            if not isinstance(node.value, int | Decimal):
                raise NotPushable("number comparison")
            if isinstance(node.value, int) and not -(2**63) <= node.value < 2**63:
                raise NotPushable("an integer beyond 64 bits")  # no SQL integer parameter holds it
            number = self.d.number(value, json_type)
            return _ordered(node.op, number, node.value)
        if kind == "dateTime":
            if isinstance(node.value, datetime) or node.op not in ("co", "sw", "ew"):
                raise NotPushable("dateTime values in documents may carry any offset")
        return self._compare_text(node, value, case_exact=target.case_exact or kind == "binary")

    def _compare_text(self, node: Compare, value: Any, case_exact: bool) -> ColumnElement[bool]:
        wanted = node.value
        if not isinstance(wanted, str):
            raise NotPushable("non-string comparison on a string attribute")
        left = value if case_exact else self.d.lower(value)
        right: Any = wanted if case_exact else wanted.lower()
        if node.op == "eq":
            return _b(left == right)
        if node.op == "co":
            return _b(func.instr(left, right) > 0 if not self.d.pg else func.strpos(left, right) > 0)
        if node.op == "sw":
            return _b(func.substr(left, 1, len(right)) == right)
        if node.op == "ew":
            if len(right) == 0:
                return _b(left.is_not(None))
            if self.d.pg:
                return _b(func.right(left, len(right)) == right)
            return _b(func.substr(left, -len(right)) == right)
        if self.d.pg:
            left = left.collate("C")  # code-point order, as Python compares strings
        return _ordered(node.op, left, right)


def _b(expr: Any) -> ColumnElement[bool]:
    """A SQL condition (SQLAlchemy's comparison operators are typed loosely)."""
    return cast(ColumnElement[bool], expr)


def _ordered(op: str, left: Any, right: Any) -> ColumnElement[bool]:
    if op == "eq":
        return _b(left == right)
    if op == "gt":
        return _b(left > right)
    if op == "ge":
        return _b(left >= right)
    if op == "lt":
        return _b(left < right)
    if op == "le":
        return _b(left <= right)
    raise NotPushable(f"operator {op} on this type")
