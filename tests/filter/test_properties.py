"""Laws of the filter engine, checked with Hypothesis on generated filters and documents.

Filters are generated as trees, rendered to text with only the parentheses precedence requires (plus random
redundant ones, random keyword/operator/name case and several spellings of each value), parsed, compiled,
and compared with a small reference evaluator written here from RFC 7644 §3.4.2.2.
"""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimcore.errors import InvalidFilter
from scimcore.filter import FilterLimits, compile_predicate, parse_filter
from scimcore.filter.ast import Not
from scimcore.schema.registry import SchemaRegistry

USER = SchemaRegistry.default().resource_type("User")

# Deterministic and database-less, so CI runs the same examples every time.
PROPERTY = settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# -- filter trees ---------------------------------------------------------------------------------------------
# ("cmp", attr, op, value) | ("vp", inner) | ("and", l, r) | ("or", l, r) | ("not", x) | ("group", x)
# Inside a value path, attrs are the sub-attribute names "value", "type" and "primary".
Node = tuple[Any, ...]

STRING_ATTRS = ["userName", "displayName", "title", "emails.value", "emails.type"]
STRING_OPS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
KEYWORDS = {"and", "or", "not", "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "true", "false", "null"}

# A small alphabet so that generated values and stored values often meet; case variants and an accented
# letter exercise case-insensitive comparison, the quote and backslash exercise JSON escapes.
words = st.text(alphabet='aAbB@é"\\', max_size=3)


def string_terms(attrs: list[str]) -> st.SearchStrategy[Node]:
    """Comparisons and presence tests on string attributes."""
    return st.one_of(
        st.tuples(st.just("cmp"), st.sampled_from(attrs), st.sampled_from(STRING_OPS), words),
        st.tuples(st.just("cmp"), st.sampled_from(attrs), st.sampled_from(["eq", "ne"]), st.none()),
        st.tuples(st.just("cmp"), st.sampled_from(attrs), st.just("pr"), st.none()),
    )


def boolean_terms(attr: str) -> st.SearchStrategy[Node]:
    """Comparisons and presence tests on a boolean attribute."""
    return st.one_of(
        st.tuples(st.just("cmp"), st.just(attr), st.sampled_from(["eq", "ne"]), st.booleans()),
        st.tuples(st.just("cmp"), st.just(attr), st.just("pr"), st.none()),
    )


def trees(leaves: st.SearchStrategy[Node], max_leaves: int) -> st.SearchStrategy[Node]:
    """Boolean combinations of ``leaves``."""
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(["and", "or"]), inner, inner),
            st.tuples(st.just("not"), inner),
            st.tuples(st.just("group"), inner),
        ),
        max_leaves=max_leaves,
    )


scoped_filters = trees(st.one_of(string_terms(["value", "type"]), boolean_terms("primary")), max_leaves=3)
top_leaves = st.one_of(
    string_terms(STRING_ATTRS),
    boolean_terms("active"),
    st.tuples(st.just("vp"), scoped_filters),
)
filters = trees(top_leaves, max_leaves=6)

# -- rendering ------------------------------------------------------------------------------------------------


def spell(draw: st.DrawFn, word: str) -> str:
    """``word`` in a random case (names, operators and keywords are case-insensitive)."""
    return draw(st.sampled_from([word, word.upper(), word.capitalize(), word.swapcase()]))


def render_value(draw: st.DrawFn, value: Any) -> str:
    """One of the spellings of a comparison value."""
    if value is None:
        return spell(draw, "null")
    if isinstance(value, bool):
        text = "true" if value else "false"
        return draw(st.sampled_from([spell(draw, text), json.dumps(text.capitalize())]))
    options = [json.dumps(value), json.dumps(value, ensure_ascii=False)]
    if value and all(c in string.ascii_letters for c in value) and value.lower() not in KEYWORDS:
        options.append(value)  # a bare word
    return draw(st.sampled_from(options))


def render(draw: st.DrawFn, node: Node) -> str:
    """Filter text for ``node`` with parentheses only where precedence needs them."""
    kind = node[0]
    if kind == "cmp":
        _, attr, op, value = node
        name = ".".join(spell(draw, part) for part in attr.split("."))
        if op == "pr":
            return f"{name} {spell(draw, 'pr')}"
        return f"{name} {spell(draw, op)} {render_value(draw, value)}"
    if kind == "vp":
        return f"{spell(draw, 'emails')}[{render(draw, node[1])}]"
    if kind == "not":
        return f"{spell(draw, 'not')} ({render(draw, node[1])})"
    if kind == "group":
        return f"({render(draw, node[1])})"
    left, right = node[1], node[2]
    left_text = render(draw, left)
    right_text = render(draw, right)
    if kind == "and":
        # "or" binds looser than "and": an "or" operand of "and" needs parentheses.
        if left[0] == "or":
            left_text = f"({left_text})"
        if right[0] in ("or", "and"):
            right_text = f"({right_text})"
    elif right[0] == "or":
        right_text = f"({right_text})"
    return f"{left_text} {spell(draw, kind)} {right_text}"


@st.composite
def rendered(draw: st.DrawFn, trees_: st.SearchStrategy[Node] = filters) -> tuple[Node, str]:
    """A generated filter tree and one of its textual spellings."""
    node = draw(trees_)
    return node, render(draw, node)


# -- documents ------------------------------------------------------------------------------------------------

emails = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "value": words,
            "type": st.one_of(st.sampled_from(["work", "home", "Work"]), words),
            "primary": st.booleans(),
        },
    ),
    max_size=3,
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "userName": words,
        "displayName": words,
        "title": words,
        "active": st.booleans(),
        "emails": emails,
    },
)
document_lists = st.lists(documents, min_size=1, max_size=6)

# -- the reference evaluator --------------------------------------------------------------------------------


def stored(container: dict[str, Any], attr: str) -> list[Any]:
    """Every value at ``attr`` (``x`` or ``x.y``) in ``container``, multi-valued attributes flattened."""
    head, _, sub = attr.partition(".")
    if head not in container:
        return []
    if not sub:
        return [container[head]]
    return [item[sub] for item in container[head] if sub in item]


def compare(op: str, have: Any, want: Any) -> bool:
    """RFC 7644 Table 3 on one stored value; strings here are all case-insensitive."""
    if isinstance(want, bool):
        return isinstance(have, bool) and have == want
    a, b = have.lower(), want.lower()
    return {
        "eq": a == b,
        "co": b in a,
        "sw": a.startswith(b),
        "ew": a.endswith(b),
        "gt": a > b,
        "ge": a >= b,
        "lt": a < b,
        "le": a <= b,
    }[op]


def reference(node: Node, container: dict[str, Any]) -> bool:
    """Naive evaluation of a filter tree (or a value filter, on one e-mail) against ``container``."""
    kind = node[0]
    if kind == "and":
        return reference(node[1], container) and reference(node[2], container)
    if kind == "or":
        return reference(node[1], container) or reference(node[2], container)
    if kind == "not":
        return not reference(node[1], container)
    if kind == "group":
        return reference(node[1], container)
    if kind == "vp":
        return any(reference(node[1], item) for item in container.get("emails", []))
    _, attr, op, value = node
    values = stored(container, attr)
    present = any(v != "" for v in values)
    if op == "pr":
        return present
    if value is None:
        return not present if op == "eq" else present
    if op == "ne":
        return not any(compare("eq", v, value) for v in values)
    return any(compare(op, v, value) for v in values)


# -- properties -----------------------------------------------------------------------------------------------


def evaluate(text: str, docs: list[dict[str, Any]]) -> list[bool]:
    """Parse, compile and run ``text`` over ``docs``."""
    predicate = compile_predicate(parse_filter(text, USER))
    return [predicate(doc) for doc in docs]


@PROPERTY
@given(rendered(), document_lists)
def test_compiled_predicate_agrees_with_reference(case: tuple[Node, str], docs: list[dict[str, Any]]) -> None:
    """The compiled predicate of any generated filter gives the reference evaluator's answer on every document."""
    node, text = case
    assert evaluate(text, docs) == [reference(node, doc) for doc in docs], text


@PROPERTY
@given(rendered(), document_lists)
def test_double_negation(case: tuple[Node, str], docs: list[dict[str, Any]]) -> None:
    """``not (not (f))`` matches exactly what ``f`` matches, and parses to Not(Not(f))."""
    _, text = case
    doubled = f"not (not ({text}))"
    assert parse_filter(doubled, USER) == Not(Not(parse_filter(text, USER)))
    assert evaluate(doubled, docs) == evaluate(text, docs)


@PROPERTY
@given(rendered(), rendered(), document_lists)
def test_de_morgan(a: tuple[Node, str], b: tuple[Node, str], docs: list[dict[str, Any]]) -> None:
    """``not (a and b)`` ≡ ``not (a) or not (b)`` and ``not (a or b)`` ≡ ``not (a) and not (b)``."""
    x, y = a[1], b[1]
    assert evaluate(f"not (({x}) and ({y}))", docs) == evaluate(f"not ({x}) or not ({y})", docs)
    assert evaluate(f"not (({x}) or ({y}))", docs) == evaluate(f"not ({x}) and not ({y})", docs)


@PROPERTY
@given(rendered(top_leaves), rendered(top_leaves), rendered(top_leaves), document_lists)
def test_and_binds_tighter_than_or(
    a: tuple[Node, str], b: tuple[Node, str], c: tuple[Node, str], docs: list[dict[str, Any]]
) -> None:
    """``a or b and c`` parses and evaluates as ``a or (b and c)``, as the reference says."""
    x, y, z = a[1], b[1], c[1]
    flat = f"{x} or {y} and {z}"
    assert parse_filter(flat, USER) == parse_filter(f"{x} or ({y} and {z})", USER)
    assert evaluate(flat, docs) == evaluate(f"{x} or ({y} and {z})", docs)
    assert evaluate(flat, docs) == [reference(("or", a[0], ("and", b[0], c[0])), doc) for doc in docs]


@PROPERTY
@given(rendered(), rendered(), document_lists)
def test_and_or_commute(a: tuple[Node, str], b: tuple[Node, str], docs: list[dict[str, Any]]) -> None:
    """Operands of ``and`` and ``or`` commute (no short-circuit side effects)."""
    x, y = a[1], b[1]
    assert evaluate(f"({x}) and ({y})", docs) == evaluate(f"({y}) and ({x})", docs)
    assert evaluate(f"({x}) or ({y})", docs) == evaluate(f"({y}) or ({x})", docs)


# -- the parser never fails in any other way ----------------------------------------------------------------

FUZZ_ATTRS = [
    "userName",
    "active",
    "emails",
    "emails.primary",
    "emails.value",
    "meta.created",
    "meta",
    "name",
    "x509Certificates.value",
    "manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "groups.$ref",
    "bogus",
    "ports",
    "weight",
    "seen",
    "blob",
    "enabled",
    "tags",
    "serial",
]
FUZZ_OPS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "xx", ""]
FUZZ_VALUES = [
    '"x"',
    '""',
    "1",
    "-1.5",
    "1e3",
    "1e999999",
    "-1e-999999",
    "9" * 5000,
    '"NaN"',
    '"-Infinity"',
    '"sNaN"',
    '"1.5"',
    "true",
    "False",
    "null",
    '"True"',
    '"2024-01-01T00:00:00+02:00"',
    "2024-01-01T00:00:00Z",
    '"yesterday"',
    "bare",
    "a:b:",
    '"\\u00e9"',
    '"unterminated',
    '"bad\\x"',
    "",
    "(",
    "]",
]
fuzz_terms = st.tuples(st.sampled_from(FUZZ_ATTRS), st.sampled_from(FUZZ_OPS), st.sampled_from(FUZZ_VALUES)).map(
    " ".join
)
fuzz_glue = st.sampled_from([" and ", " or ", "not (", "(", ")", "[", "]", ".value", " ", '"', "&"])
fuzz_filters = st.lists(st.one_of(fuzz_terms, fuzz_terms, fuzz_glue), min_size=1, max_size=8).map("".join)

PIECES = [
    " ",
    "(",
    ")",
    "[",
    "]",
    '"',
    "\\",
    ".",
    ":",
    "-",
    "@",
    "1",
    "0",
    "e",
    "5.5",
    "1e999",
    "9" * 30,
    "é",
    "userName",
    "emails",
    "value",
    "type",
    "primary",
    "name",
    "familyName",
    "active",
    "meta",
    "created",
    "manager",
    "x509Certificates",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
    "urn:ietf:params:scim:schemas:core:2.0:User:",
    "eq",
    "ne",
    "co",
    "sw",
    "ew",
    "gt",
    "ge",
    "lt",
    "le",
    "pr",
    "and",
    "or",
    "not",
    "true",
    "false",
    "null",
    "NaN",
    '"x"',
    '"2024-01-01T00:00:00Z"',
    '"\\u00e9"',
]
piece_soup = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)

FUZZ_DOCS: dict[str, dict[str, Any]] = {
    "User": {
        "userName": "x",
        "active": True,
        "emails": [{"value": "x", "type": "work", "primary": True}, {"value": 3}, "junk"],
        "meta": {"created": "2024-01-01T00:00:00Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}},
    },
    "Device": {
        "ports": 4,
        "weight": float("nan"),
        "seen": "not a date",
        "blob": "AAEC",
        "enabled": "yes",
        "tags": ["a", None, 3],
        "serial": 17,
    },
}


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.one_of(fuzz_filters, piece_soup), st.sampled_from(["User", "Device"]))
def test_parser_only_raises_invalid_filter(registry: SchemaRegistry, text: str, rtype_name: str) -> None:
    """Any input either parses and evaluates to a boolean, or raises InvalidFilter — never another exception."""
    rtype = registry.resource_type(rtype_name)
    try:
        expr = parse_filter(text, rtype, FilterLimits(max_depth=8, max_terms=8))
    except InvalidFilter as exc:
        assert exc.detail
        assert len(exc.detail) < 400, "error details stay short"
        return
    assert compile_predicate(expr)(FUZZ_DOCS[rtype_name]) in (True, False)
