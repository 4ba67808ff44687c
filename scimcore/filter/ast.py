"""The filter AST (RFC 7644 §3.4.2.2), frozen and bound to schema metadata.

Nodes come out of :func:`scimcore.filter.parser.parse_filter` already resolved against a resource type:
every :class:`Path` carries the :class:`~scimcore.schema.registry.AttributeDef` it names, and every
comparison value is already converted to the attribute's type.  Visitors (the in-memory evaluator, the SQL
compiler of a SQL store) therefore never look names up again and never guess types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from scimcore.schema.paths import Path as Path  # resolved paths live in the schema layer; nodes hold them
from scimcore.schema.registry import AttributeDef

Value = str | bool | int | float | Decimal | datetime | None

COMPARISON_OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
ORDERING_OPERATORS = frozenset({"gt", "ge", "lt", "le"})
STRING_OPERATORS = frozenset({"co", "sw", "ew"})


@dataclass(frozen=True, slots=True)
class Compare:
    """``path op value`` for one of ``eq ne co sw ew gt ge lt le``."""

    path: Path
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class Present:
    """``path pr``: the attribute has a non-empty value."""

    path: Path


@dataclass(frozen=True, slots=True)
class And:
    """Both operands match."""

    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Or:
    """Either operand matches."""

    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Not:
    """``not (filter)``."""

    expr: Expr


@dataclass(frozen=True, slots=True)
class ValuePath:
    """``attr[filter]``: some value of the multi-valued complex ``attr`` matches ``filter``.

    Paths inside ``filter`` name sub-attributes of ``attr`` (their ``attr`` is ``attr`` itself).  The Entra
    form ``emails[type eq "work"].value eq "x"`` is parsed as ``emails[type eq "work" and value eq "x"]``.
    """

    extension: str | None
    attr: AttributeDef
    filter: Expr


Expr = Compare | Present | And | Or | Not | ValuePath


def walk(expr: Expr) -> list[Expr]:
    """Every node of ``expr`` in pre-order, without recursion (filters may be deep)."""
    out: list[Expr] = []
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, And | Or):
            stack.append(node.right)
            stack.append(node.left)
        elif isinstance(node, Not):
            stack.append(node.expr)
        elif isinstance(node, ValuePath):
            stack.append(node.filter)
    return out


def mentions(expr: Expr, attr_name: str) -> bool:
    """Whether any term of ``expr`` reads the top-level attribute ``attr_name`` (``members``, ``groups``).

    A store asks before it evaluates a filter: a term on a value it keeps apart from the document (a group's
    members, a user's computed groups) needs that value joined in first.
    """
    for node in walk(expr):
        if isinstance(node, Compare | Present) and node.path.attr.name == attr_name:
            return True
        if isinstance(node, ValuePath) and node.attr.name == attr_name:
            return True
    return False
