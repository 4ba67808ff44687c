"""Filter and sort push-down through a mapping: the bound filter AST (RFC 7644 §3.4.2.2) as SQL over the app's tables.

The same contract as :mod:`scimcore.store.sql.compile`, whose :class:`~scimcore.store.sql.compile.FilterCompiler`
this extends: every node compiles to an exact SQL condition with the semantics of
:mod:`scimcore.filter.evaluate`, or raises :class:`~scimcore.store.sql.compile.NotPushable` and the store
evaluates the whole filter in Python.  What each place gives:

- a plain column: comparisons by the attribute's type — strings lower-cased unless caseExact, the unique
  attribute (``userName``) over its folded ``unique_key`` column, booleans and numbers as themselves;
- a column with converters: ``eq`` on a boolean (the converted value); anything else runs in Python;
- a child table or the member table: ``EXISTS`` over its rows, a value filter on the same row;
- a JSON column and the overflow column: the SQL store's JSON access (``json_each`` / ``jsonb_array_elements``);
- an attribute with no place at all: never stored, so no document has it.

Owns: :class:`MappedCompiler` and :func:`sort_column`.
Must not: run SQL or decide when to fall back (the store does).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, literal, not_, or_, select, true
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB

from scimcore.filter.ast import And, Compare, Expr, Not, Or, Path, Present, ValuePath
from scimcore.schema.folding import fold, folds
from scimcore.schema.registry import AttributeDef
from scimcore.store.mapped.mapping import ChildPlace, CompiledMap, JsonPlace, MemberPlace, ScalarPlace
from scimcore.store.sql.compile import (
    MAX_SQL_NESTING,
    Dialect,
    FilterCompiler,
    NotPushable,
    _b,
    _nesting,
    _ordered,
)


class MappedCompiler(FilterCompiler):
    """Compiles bound filter ASTs of one mapped resource type to conditions over its table."""

    def __init__(self, dialect: Dialect, cmap: CompiledMap, directory: str, groups: MemberPlace | None) -> None:
        super().__init__(dialect, cmap.rtype, directory)
        self.cmap = cmap
        self.groups = groups  # the member table ``groups`` of a member is read from

    def compile(self, expr: Expr) -> ColumnElement[bool]:
        """The SQL condition for ``expr``; raises :class:`NotPushable` (see the module docstring)."""
        if _nesting(expr) > MAX_SQL_NESTING:
            raise NotPushable("the filter nests deeper than the SQL push-down takes")
        return self._node(expr, None)

    def _json(self, column: Any) -> Any:
        """A JSON column as the dialect's JSON access reads it (PostgreSQL's functions take ``jsonb``)."""
        if self.d.pg and not isinstance(column.type, JSONB):
            return sql_cast(column, JSONB)
        return column

    def _json_keys(self, path_ext: str | None, attr: AttributeDef) -> tuple[Any, list[str]] | None:
        """Where an attribute's value is JSON: (the column, the keys down to it), or ``None`` if nowhere."""
        place = self.cmap.whole.get((path_ext, attr.name))
        if isinstance(place, JsonPlace):
            return self._json(place.column), []
        if place is None and self.cmap.overflow is not None and (path_ext, attr.name) not in self.cmap.subs:
            return self._json(self.cmap.overflow), self._keys(path_ext, attr)
        return None

    # -- nodes --------------------------------------------------------------------------------------
    def _node(self, node: Expr, scope: Any) -> ColumnElement[bool]:
        if scope is not None or not isinstance(node, ValuePath):
            return super()._node(node, scope)
        if node.attr.name in ("members", "groups") and node.extension is None:
            return self._membership(Path(node.extension, node.attr), node.filter)
        place = self.cmap.whole.get((node.extension, node.attr.name))
        if isinstance(place, ChildPlace):
            return self._child_exists(place, self._child_condition(node.filter, place))
        found = self._json_keys(node.extension, node.attr)
        if found is None:
            return false()  # the attribute has no place: no document holds it
        doc, keys = found
        element = self.d.elements(doc, keys)
        return exists(select(literal(1)).select_from(element).where(super()._node(node.filter, element)))

    def _doc_leaf(self, node: Compare | Present) -> ColumnElement[bool]:
        path = node.path
        attr = path.attr
        cmap = self.cmap
        if path.extension is None:
            if attr.name == "id":
                return self._leaf(node, cmap.id, literal("string"))
            if attr.name == "meta":
                return self._meta(node)
            if attr.name in ("members", "groups"):
                return self._membership(path, node)
            if folds(attr) and attr == cmap.unique_attr() and cmap.unique_key is not None:
                return self._folded_key(node)
        key = (path.extension, attr.name)
        place = cmap.whole.get(key)
        if isinstance(place, ScalarPlace):
            return self._scalar(node, place)
        if isinstance(place, ChildPlace):
            if path.sub is None:
                if isinstance(node, Present):
                    return self._child_exists(place, true())
                raise NotPushable("a comparison on a whole multi-valued attribute")
            return self._child_exists(place, self._child_condition(node, place))
        subs = cmap.subs.get(key)
        if subs is not None:
            if path.sub is None:
                raise NotPushable("presence of a complex attribute split over columns")
            sub_place = subs.get(path.sub.name)
            if sub_place is not None:
                return self._scalar(node, sub_place)
        found = self._json_keys(path.extension, attr)
        if found is None:
            if subs is not None and cmap.overflow is not None:
                found = self._json(cmap.overflow), self._keys(path.extension, attr)
            else:
                return false()  # no place, so never stored: no document has it
        doc, keys = found
        if attr.multi_valued:
            element = self.d.elements(doc, keys)
            sub = path.sub.name if path.sub else None
            condition = self._leaf(node, self.d.element_text(element, sub), self.d.element_type(element, sub))
            return exists(select(literal(1)).select_from(element).where(condition))
        if path.sub is not None:
            keys = [*keys, path.sub.name]
        if not keys:
            raise NotPushable("a simple attribute in a JSON column of its own")
        return self._leaf(node, self.d.text_at(doc, keys), self.d.type_at(doc, keys))

    # -- places -------------------------------------------------------------------------------------
    def _folded_key(self, node: Compare | Present) -> ColumnElement[bool]:
        """The unique attribute over its folded column, as uniqueness compares it (:mod:`scimcore.schema.folding`)."""
        column: Any = self.cmap.unique_key
        if isinstance(node, Present):
            return _b(and_(column.is_not(None), column != ""))
        if not isinstance(node.value, str):
            raise NotPushable("non-string comparison on a string attribute")
        return self._compare_text(Compare(node.path, node.op, fold(node.value)), column, case_exact=True)

    def _scalar(self, node: Compare | Present, place: ScalarPlace) -> ColumnElement[bool]:
        if place.dump is not None or place.load is not None:
            return self._converted(node, place)
        return self._column(node, place.column, node.path.target)

    def _converted(self, node: Compare | Present, place: ScalarPlace) -> ColumnElement[bool]:
        """``eq`` on a converted boolean compares the converted value; the rest runs in Python."""
        target = node.path.target
        if not (isinstance(node, Compare) and node.op == "eq" and target.type == "boolean"
                and isinstance(node.value, bool) and place.dump is not None and place.load is not None):
            raise NotPushable("a term on a converted column")
        stored, other = place.dump(node.value), place.dump(not node.value)
        if stored is None or stored == other or place.load(stored) is not node.value:
            raise NotPushable("a converter that does not keep true and false apart")
        return _b(place.column == stored)

    def _column(self, node: Compare | Present, column: Any, target: AttributeDef) -> ColumnElement[bool]:
        """A term on a typed column: the attribute's type decides how it compares."""
        kind = target.type
        if isinstance(node, Present):
            if kind in ("string", "reference", "binary", "dateTime"):
                return _b(and_(column.is_not(None), column != ""))
            return _b(column.is_not(None))
        value = node.value
        if kind == "boolean":
            if not isinstance(value, bool) or node.op != "eq":
                raise NotPushable("boolean comparison")
            return _b(column == value)
        if kind in ("integer", "decimal"):
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                raise NotPushable("number comparison")
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise NotPushable("an integer beyond 64 bits")
            return _ordered(node.op, column, value)
        if kind == "dateTime":
            raise NotPushable("dateTime values may carry any offset")
        return self._compare_text(node, column, case_exact=target.case_exact or kind == "binary")

    def _child_exists(self, place: ChildPlace, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists(
            select(literal(1)).select_from(place.table).where(and_(place.parent == self.cmap.id, condition))
        )

    def _child_condition(self, node: Expr, place: ChildPlace) -> ColumnElement[bool]:
        """A value filter over one row of a child table (the evaluator's per-item semantics)."""
        if isinstance(node, And):
            return and_(self._child_condition(node.left, place), self._child_condition(node.right, place))
        if isinstance(node, Or):
            return or_(self._child_condition(node.left, place), self._child_condition(node.right, place))
        if isinstance(node, Not):
            return not_(func.coalesce(self._child_condition(node.expr, place), false()))
        if isinstance(node, Compare) and node.value is None:
            present = self._child_condition(Present(node.path), place)
            return not_(func.coalesce(present, false())) if node.op == "eq" else present
        if isinstance(node, Compare) and node.op == "ne":
            inner = self._child_condition(Compare(node.path, "eq", node.value), place)
            return not_(func.coalesce(inner, false()))
        if isinstance(node, Compare | Present):
            target = node.path.target
            sub_place = place.fields.get(target.name)
            if sub_place is None:
                return false()  # a sub-attribute the child table does not keep is never stored
            return self._scalar(node, sub_place)
        raise NotPushable("a nested value filter")

    def _meta_columns(self) -> dict[str, Any]:
        cmap = self.cmap
        return {"created": cmap.created, "lastModified": cmap.last_modified, "version": cmap.version}

    def _membership(self, path: Path, node: Expr) -> ColumnElement[bool]:
        """``members`` of a group, or the computed ``groups`` of a member, from the member table."""
        place = self.cmap.members if path.attr.name == "members" else None
        if path.attr.name == "members":
            if place is None:
                return false()
            base = place.group == self.cmap.id
            mapping = {"value": place.member, "type": place.type, "display": place.display}
        else:
            if self.groups is None:
                return false()  # no type of this store has members
            place = self.groups
            base = place.member == self.cmap.id
            mapping = {"value": place.group}
        inner = node.filter if isinstance(node, ValuePath) else node
        condition = self._member_condition(inner, {k: v for k, v in mapping.items() if v is not None})
        return exists(select(literal(1)).select_from(place.table).where(and_(base, condition)))


def sort_column(cmap: CompiledMap, dialect: Dialect, path: Path) -> Any:
    """The SQL expression a page sorts by at ``path`` (the in-memory sort's order), or :class:`NotPushable`."""
    attr = path.attr
    if path.extension is None and attr.name == "id":
        return cmap.id
    if path.extension is None and attr.name == "meta":
        column = {"created": cmap.created, "lastModified": cmap.last_modified}.get(path.sub.name if path.sub else "")
        if column is None:
            raise NotPushable("sort on this meta attribute")
        return column
    key = (path.extension, attr.name)
    place = cmap.whole.get(key)
    if path.sub is not None and not attr.multi_valued:
        place = (cmap.subs.get(key) or {}).get(path.sub.name)
    target = path.target
    if not isinstance(place, ScalarPlace) or place.dump is not None or place.load is not None:
        raise NotPushable("sort on an attribute without a plain column")
    if target.type not in ("string", "reference", "boolean"):
        raise NotPushable("sort on a numeric or dateTime attribute")
    plain: Any = place.column
    return plain if target.case_exact or target.type == "boolean" else dialect.lower(plain)
