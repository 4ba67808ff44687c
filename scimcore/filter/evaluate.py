"""In-memory evaluation of a bound filter AST against resource documents (RFC 7644 §3.4.2.2).

:func:`compile_predicate` turns an AST into a plain Python closure once, so a scan over many documents does
no per-document dispatch on node types.  Semantics:

- string comparison follows the attribute's ``caseExact``, and a unique case-insensitive attribute
  (``userName``) compares by :func:`scimcore.schema.folding.fold`; ordering on strings is lexicographic;
- dateTime values compare chronologically with time zones normalised; numbers numerically;
- a multi-valued attribute matches when any of its values does;
- ``eq null`` matches an absent attribute and ``ne`` is the negation of ``eq``;
- ``pr`` needs a non-empty value (a non-empty list, a complex value with at least one sub-attribute).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from scimcore.filter.ast import And, Compare, Expr, Not, Or, Path, Present, ValuePath
from scimcore.schema.documents import parse_datetime
from scimcore.schema.folding import TextKey, text_key

Document = Mapping[str, Any]
Predicate = Callable[[Document], bool]


def _container(doc: Document, extension: str | None) -> Mapping[str, Any] | None:
    if extension is None:
        return doc
    found = doc.get(extension)
    return found if isinstance(found, Mapping) else None


def values_at(doc: Document, path: Path) -> list[Any]:
    """Every value at ``path`` in ``doc``, flattening multi-valued attributes."""
    container = _container(doc, path.extension)
    if container is None:
        return []
    top = container.get(path.attr.name)
    if top is None:
        return []
    items = top if isinstance(top, list) else [top]
    if path.sub is None:
        return [item for item in items if item is not None]
    name = path.sub.name
    out = []
    for item in items:
        if isinstance(item, Mapping):
            value = item.get(name)
            if value is not None:
                out.append(value)
    return out


def _is_present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, list | dict | str):
        return len(value) > 0
    return True


def _normalise(kind: str, key: TextKey | None) -> Callable[[Any], Any]:
    if kind == "dateTime":

        def as_datetime(value: Any) -> Any:
            return parse_datetime(value) if isinstance(value, str) else value

        return as_datetime
    if kind in ("integer", "decimal"):

        def as_number(value: Any) -> Any:
            if isinstance(value, bool):
                return None
            if isinstance(value, float):
                return Decimal(repr(value)) if value == value else None  # NaN equals nothing
            return value if isinstance(value, int | Decimal) else None

        return as_number
    if kind == "boolean":
        return lambda value: value if isinstance(value, bool) else None
    if key is None:
        return lambda value: value if isinstance(value, str) else None
    return lambda value: key(value) if isinstance(value, str) else None


def _compare(op: str, wanted: Any) -> Callable[[Any], bool]:
    if op == "eq":
        return lambda v: v == wanted
    if op == "co":
        return lambda v: isinstance(v, str) and wanted in v
    if op == "sw":
        return lambda v: isinstance(v, str) and v.startswith(wanted)
    if op == "ew":
        return lambda v: isinstance(v, str) and v.endswith(wanted)

    def ordered(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
        def check(v: Any) -> bool:
            try:
                return v is not None and test(v)
            except (TypeError, ArithmeticError):  # mismatched types; decimal.InvalidOperation
                return False

        return check

    if op == "gt":
        return ordered(lambda v: v > wanted)
    if op == "ge":
        return ordered(lambda v: v >= wanted)
    if op == "lt":
        return ordered(lambda v: v < wanted)
    if op == "le":
        return ordered(lambda v: v <= wanted)
    raise ValueError(f"unknown operator {op}")


def _compile_compare(node: Compare, scoped: bool) -> Predicate:
    path = node.path
    target = path.target
    if node.value is None:
        present = _compile(Present(path), scoped)
        return (lambda doc: not present(doc)) if node.op == "eq" else present
    kind = target.type
    string_op = node.op in ("co", "sw", "ew")
    key = text_key(target)  # None for caseExact; fold() for userName and the like (scimcore.schema.folding)
    norm = _normalise("string" if string_op and kind == "dateTime" else kind, key)
    wanted: Any = node.value
    if isinstance(wanted, str) and key is not None:
        wanted = key(wanted)
    if isinstance(wanted, datetime) and string_op:
        wanted = wanted.isoformat()
    test = _compare("eq" if node.op == "ne" else node.op, wanted)
    if scoped:
        name = target.name

        def match_item(item: Document) -> bool:
            return test(norm(item.get(name)))

        matcher: Predicate = match_item
    else:

        def match_doc(doc: Document) -> bool:
            return any(test(norm(value)) for value in values_at(doc, path))

        matcher = match_doc
    if node.op == "ne":
        return lambda doc: not matcher(doc)
    return matcher


def _flatten(node: Expr, kind: type[And] | type[Or]) -> list[Expr]:
    """The operands of a chain of one logical operator, left to right, without recursion."""
    out: list[Expr] = []
    stack: list[Expr] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            stack.append(current.right)
            stack.append(current.left)
        else:
            out.append(current)
    return out


def _compile(node: Expr, scoped: bool) -> Predicate:
    if isinstance(node, Compare):
        return _compile_compare(node, scoped)
    if isinstance(node, Present):
        path = node.path
        if scoped:
            name = path.target.name
            return lambda item: _is_present(item.get(name))
        return lambda doc: any(_is_present(value) for value in values_at(doc, path))
    if isinstance(node, And):
        parts = [_compile(part, scoped) for part in _flatten(node, And)]
        return lambda doc: all(part(doc) for part in parts)
    if isinstance(node, Or):
        parts = [_compile(part, scoped) for part in _flatten(node, Or)]
        return lambda doc: any(part(doc) for part in parts)
    if isinstance(node, Not):
        inner = _compile(node.expr, scoped)
        return lambda doc: not inner(doc)
    if isinstance(node, ValuePath):
        inner = _compile(node.filter, True)
        whole = Path(node.extension, node.attr)

        def any_item(doc: Document) -> bool:
            return any(isinstance(item, Mapping) and inner(item) for item in values_at(doc, whole))

        return any_item
    raise TypeError(f"not a filter node: {node!r}")


def compile_predicate(expr: Expr) -> Predicate:
    """A function telling whether a document matches ``expr``.

    Deeply nested filters are bounded by :class:`~scimcore.filter.parser.FilterLimits` before they get here.
    """
    return _compile(expr, False)


def compile_item_predicate(expr: Expr) -> Predicate:
    """A function telling whether one value of a multi-valued attribute matches a value filter's ``expr``."""
    return _compile(expr, True)
