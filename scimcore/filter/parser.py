"""Filter parsing (RFC 7644 §3.4.2.2, §3.5.2), bound to a resource type.

Owns: the filter grammar, its tokens and its limits.  Must not: resolve attribute names itself; every name
goes through :mod:`scimcore.schema.paths`, the one attribute-path layer.

Grammar (RFC 7644 Figure 1), with the precedence of §3.4.2.2 — ``not`` over ``and`` over ``or``::

    FILTER    = orExpr
    orExpr    = andExpr *("or" andExpr)
    andExpr   = unary *("and" unary)
    unary     = "not" "(" FILTER ")" / "(" FILTER ")" / attrExp / valuePath [subAttr compareOp compValue]
    attrExp   = attrPath "pr" / attrPath compareOp compValue
    valuePath = attrPath "[" valFilter "]"
    attrPath  = [URI ":"] ATTRNAME *1subAttr

Tokens come from scim2-filter-parser's lexer, extended here for JSON string escapes, JSON numbers (negative
and decimal), keywords that are only whole words, and unknown characters reported with their column instead
of raising.  Its own parser is not used: it puts ``and`` and ``or`` at one precedence level, so
``a or b and c`` would mean ``(a or b) and c``.

A bare word where a value belongs (``externalId eq jyoung``, seen in Microsoft's documentation) is read as a
string; ``true``, ``false``, ``null`` and numbers keep their JSON meaning (a number compared with a string
attribute compares as written, ``externalId eq 1e3`` with ``"1e3"``).  Numbers that are not finite or are
too large to be an integer are refused, never expanded.

Every error is an :class:`~scimcore.errors.InvalidFilter` (or ``InvalidPath`` for PATCH paths) naming the
column and, for unknown attributes, the attribute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from scim2_filter_parser.lexer import SCIMLexer

from scimcore import compat
from scimcore.errors import InvalidFilter, ScimError
from scimcore.filter.ast import (
    COMPARISON_OPERATORS,
    ORDERING_OPERATORS,
    STRING_OPERATORS,
    And,
    Compare,
    Expr,
    Not,
    Or,
    Path,
    Present,
    Value,
    ValuePath,
)
from scimcore.schema.documents import parse_datetime as parse_datetime  # re-exported for existing callers
from scimcore.schema.paths import resolve_path as resolve_path
from scimcore.schema.paths import split_attr_path as split_attr_path
from scimcore.schema.registry import AttributeDef, ResourceTypeDef

_WORD_END = r"(?![a-zA-Z0-9_$-])"


class _Lexer(SCIMLexer):  # type: ignore[misc]
    """scim2-filter-parser's lexer with RFC 7159 strings and numbers and whole-word keywords."""

    tokens = SCIMLexer.tokens | {"BAD"}

    @_(r'"(?:[^"\\]|\\.)*"')  # type: ignore[name-defined, untyped-decorator]  # noqa: F821
    def COMP_VALUE(self, t: Any) -> Any:  # noqa: N802
        return t

    NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?" + _WORD_END
    FALSE = r"(?i:false)" + _WORD_END
    TRUE = r"(?i:true)" + _WORD_END
    NULL = r"(?i:null)" + _WORD_END

    def error(self, t: Any) -> Any:
        t.type = "BAD"
        t.value = t.value[0]
        self.index += 1
        return t


@dataclass(frozen=True, slots=True)
class Token:
    """One lexed token: its type, text and 0-based offset."""

    type: str
    value: str
    index: int

    @property
    def end(self) -> int:
        """The offset just past the token's text in the source."""
        return self.index + len(self.value)

    @property
    def shown(self) -> str:
        """The token's text for an error message, shortened when long."""
        return self.value if len(self.value) <= 40 else self.value[:37] + "..."


def tokenize(text: str) -> list[Token]:
    """Lex ``text`` into tokens (never raises; unknown characters become ``BAD`` tokens)."""
    out: list[Token] = []
    for tok in _Lexer().tokenize(text):
        value = tok.value
        if tok.type == "SCHEMA_URI":
            value = text[tok.index : tok.index + len(value) + 1]
        elif tok.type == "SUBATTR":
            value = "." + value
        out.append(Token(tok.type, value, tok.index))
    return out


@dataclass(frozen=True, slots=True)
class FilterLimits:
    """Bounds that keep hostile filters cheap: length in characters, nesting depth, comparison terms."""

    max_length: int = 8192
    max_depth: int = 50
    max_terms: int = 500


DEFAULT_LIMITS = FilterLimits()


class _Parser:
    def __init__(self, text: str, rtype: ResourceTypeDef, limits: FilterLimits) -> None:
        self.text = text
        self.rtype = rtype
        self.limits = limits
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.terms = 0

    # -- token helpers -------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def fail(self, message: str, token: Token | None = None) -> InvalidFilter:
        column = (token.index if token else len(self.text)) + 1
        return InvalidFilter(f"Invalid filter at column {column}: {message}")

    def expect(self, type_: str, what: str) -> Token:
        tok = self.peek()
        if tok is None or tok.type != type_:
            found = f"'{tok.shown}'" if tok else "end of filter"
            raise self.fail(f"expected {what}, found {found}", tok)
        self.pos += 1
        return tok

    # -- grammar -------------------------------------------------------------------------------------
    def parse(self) -> Expr:
        if not self.text.strip():
            raise InvalidFilter("Invalid filter: the filter is empty.")
        expr = self.or_expr(None)
        tok = self.peek()
        if tok is not None:
            raise self.fail(f"unexpected '{tok.shown}'", tok)
        return expr

    def or_expr(self, scope: ValueScope | None) -> Expr:
        expr = self.and_expr(scope)
        while (tok := self.peek()) is not None and tok.type == "OR":
            self.pos += 1
            expr = Or(expr, self.and_expr(scope))
        return expr

    def and_expr(self, scope: ValueScope | None) -> Expr:
        expr = self.unary(scope)
        while (tok := self.peek()) is not None and tok.type == "AND":
            self.pos += 1
            expr = And(expr, self.unary(scope))
        return expr

    def nested(self, scope: ValueScope | None, opener: Token) -> Expr:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise self.fail(f"nesting deeper than {self.limits.max_depth} levels", opener)
        expr = self.or_expr(scope)
        self.depth -= 1
        return expr

    def unary(self, scope: ValueScope | None) -> Expr:
        tok = self.peek()
        if tok is None:
            raise self.fail("expected an attribute expression, found end of filter")
        if tok.type == "NOT":
            self.pos += 1
            opener = self.expect("LPAREN", "'(' after 'not'")
            inner = self.nested(scope, opener)
            self.expect("RPAREN", "')'")
            return Not(inner)
        if tok.type == "LPAREN":
            self.pos += 1
            inner = self.nested(scope, tok)
            self.expect("RPAREN", "')'")
            return inner
        if tok.type in ("ATTRNAME", "SCHEMA_URI"):
            return self.attr_expr(scope)
        raise self.fail(f"expected an attribute expression, found '{tok.shown}'", tok)

    def attr_expr(self, scope: ValueScope | None) -> Expr:
        start = self.peek()
        urn, name, sub = self.attr_path()
        nxt = self.peek()
        if nxt is not None and nxt.type == "LBRACKET":
            if scope is not None:
                raise self.fail("value filters cannot be nested", nxt)
            if sub is not None:
                raise self.fail(f"'{name}.{sub}' cannot be followed by '['", nxt)
            self.pos += 1
            path = self.resolve(urn, name, None, start)
            if not (path.attr.is_complex and path.attr.multi_valued):
                raise self.fail(f"'{path}' is not a multi-valued complex attribute", start)
            inner_scope = ValueScope(path.extension, path.attr)
            inner = self.nested(inner_scope, nxt)
            self.expect("RBRACKET", "']'")
            after = self.peek()
            if after is not None and after.type == "SUBATTR" and after.index == self.tokens[self.pos - 1].end:
                # Entra: emails[type eq "work"].value eq "x"
                self.pos += 1
                sub_def = path.attr.sub(after.value[1:])
                if sub_def is None:
                    raise self.fail(f"unknown attribute '{path.attr.name}{after.value}'", after)
                tail = self.comparison(Path(path.extension, path.attr, sub_def), after)
                inner = And(inner, tail)
            return ValuePath(path.extension, path.attr, inner)
        if scope is not None:
            if urn is not None:
                raise self.fail("URN-qualified names are not allowed inside a value filter", start)
            sub_def = scope.attr.sub(name)
            if sub_def is None or sub is not None:
                shown = name if sub is None else f"{name}.{sub}"
                raise self.fail(f"unknown attribute '{scope.attr.name}.{shown}'", start)
            return self.comparison(Path(scope.extension, scope.attr, sub_def), start)
        path = self.resolve(urn, name, sub, start)
        return self.comparison(path, start, whole=Path(path.extension, path.attr) if sub is None else None)

    def comparison(self, path: Path, start: Token | None, whole: Path | None = None) -> Expr:
        """``path pr`` or ``path op value``.

        ``whole`` is the attribute itself when ``path`` names a complex attribute without a sub-attribute and
        the parser filled in ``value``: ``pr`` and ``eq null`` / ``ne null`` then ask about the whole node
        (RFC 7644 §3.4.2.2, "a non-empty node for complex attributes"), so ``emails pr`` holds for
        ``[{"type": "work"}]`` although no e-mail has a ``value``.
        """
        self.terms += 1
        if self.terms > self.limits.max_terms:
            raise self.fail(f"more than {self.limits.max_terms} comparisons", start)
        op_tok = self.peek()
        if op_tok is None:
            raise self.fail(f"expected an operator after '{path}', found end of filter")
        op = op_tok.value.lower()
        if whole is not None and path.sub is not None:
            # A complex attribute named alone: its implied "value" only matters for real comparisons.
            nxt = self.peek(1)
            if op_tok.type == "PR" or (op in ("eq", "ne") and nxt is not None and nxt.type == "NULL"):
                path = whole
        if op_tok.type == "PR":
            self.pos += 1
            return Present(path)
        if op not in COMPARISON_OPERATORS or op_tok.type not in {o.upper() for o in COMPARISON_OPERATORS}:
            raise self.fail(f"expected an operator after '{path}', found '{op_tok.shown}'", op_tok)
        self.pos += 1
        raw, value_tok = self.comp_value()
        return Compare(path, op, self.typed_value(path, op, raw, value_tok))

    def comp_value(self) -> tuple[object, Token]:
        tok = self.peek()
        if tok is None:
            raise self.fail("expected a value, found end of filter")
        self.pos += 1
        if tok.type == "COMP_VALUE":
            try:
                return json.loads(tok.value), tok
            except ValueError:
                raise self.fail(f"invalid string {tok.shown}", tok) from None
        if tok.type == "NUMBER":
            return Decimal(tok.value), tok
        if tok.type in ("TRUE", "FALSE"):
            return tok.type == "TRUE", tok
        if tok.type == "NULL":
            return None, tok
        if tok.type in ("ATTRNAME", "SUBATTR", "SCHEMA_URI", "BAD"):
            # A bare word: join adjacent tokens up to white space or a closing bracket.  A lone '"' is the
            # start of a string that never ends, not part of a word.
            end = tok.end
            word = [tok]
            while (nxt := self.peek()) is not None and nxt.index == end and nxt.type not in ("RPAREN", "RBRACKET"):
                self.pos += 1
                end = nxt.end
                word.append(nxt)
            quote = next((part for part in word if part.type == "BAD" and part.value == '"'), None)
            if quote is not None:
                raise self.fail("unterminated string", quote)
            return self.text[tok.index : end], tok
        raise self.fail(f"expected a value, found '{tok.shown}'", tok)

    def typed_value(self, path: Path, op: str, raw: object, tok: Token) -> Value:
        target = path.target
        kind = target.type
        if raw is None:
            if op not in ("eq", "ne"):
                raise self.fail(f"'{op}' cannot compare with null", tok)
            return None
        if kind == "complex":
            raise self.fail(f"'{path}' is complex: compare one of its sub-attributes", tok)
        if op in ORDERING_OPERATORS and kind in ("boolean", "binary"):
            raise self.fail(f"'{op}' is not allowed on {kind} attribute '{path}'", tok)
        if op in STRING_OPERATORS and kind in ("boolean", "integer", "decimal"):
            raise self.fail(f"'{op}' is not allowed on {kind} attribute '{path}'", tok)
        if tok.type == "NUMBER" and kind not in ("integer", "decimal", "boolean"):
            raw = tok.value  # a number where a string belongs compares as written: 1e3 stays "1e3"
        try:
            return _coerce(kind, raw, op)
        except ValueError as exc:
            raise self.fail(f"{exc} for attribute '{path}'", tok) from None

    def attr_path(self) -> tuple[str | None, str, str | None]:
        tok = self.peek()
        urn: str | None = None
        if tok is not None and tok.type == "SCHEMA_URI":
            self.pos += 1
            urn = tok.value[:-1]
        name_tok = self.expect("ATTRNAME", "an attribute name")
        sub: str | None = None
        nxt = self.peek()
        if nxt is not None and nxt.type == "SUBATTR" and nxt.index == name_tok.end:
            self.pos += 1
            sub = nxt.value[1:]
        return urn, name_tok.value, sub

    def resolve(self, urn: str | None, name: str, sub: str | None, tok: Token | None) -> Path:
        try:
            return resolve_path(self.rtype, urn, name, sub, for_filter=True)
        except ScimError as exc:
            raise self.fail(exc.detail, tok) from None


@dataclass(frozen=True, slots=True)
class ValueScope:
    """The multi-valued attribute whose sub-attributes a value filter names."""

    extension: str | None
    attr: AttributeDef


# Python's default limit on integer digits (and what JSON parsers accept): a bigger literal is refused rather
# than expanded (``1e999999`` on an integer attribute would otherwise build a million-digit int).
_MAX_DIGITS = 4300


def _show(raw: object) -> str:
    text = str(raw) if isinstance(raw, Decimal) else json.dumps(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _coerce(kind: str, raw: object, op: str) -> Value:
    if kind == "boolean":
        raw = compat.booleans_sent_as_strings(raw)
        if isinstance(raw, bool):
            return raw
        raise ValueError(f"{_show(raw)} is not a boolean")
    if kind in ("integer", "decimal"):
        if isinstance(raw, Decimal):
            number = raw
        elif isinstance(raw, str):
            try:
                number = Decimal(raw)
            except InvalidOperation:
                raise ValueError(f"{_show(raw)} is not a number") from None
        else:
            raise ValueError(f"{_show(raw)} is not a number")
        if not number.is_finite():
            raise ValueError(f"{_show(raw)} is not a number")
        if number.adjusted() >= _MAX_DIGITS:
            raise ValueError(f"{_show(raw)} is out of range")
        if kind == "decimal":
            return number
        if number != number.to_integral_value():
            raise ValueError(f"{_show(raw)} is not an integer")
        return int(number)
    if isinstance(raw, bool):
        raise ValueError(f"{_show(raw)} is not a string")
    text = str(raw)
    if "\x00" in text:
        raise ValueError("a NUL character (U+0000) cannot be in a value")  # nor in a stored one (PostgreSQL)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("an unpaired surrogate escape is not text") from None
    if kind == "dateTime" and op not in STRING_OPERATORS:
        parsed = parse_datetime(text)
        if parsed is None:
            raise ValueError(f"{_show(text)} is not an xsd:dateTime")
        return parsed
    return text


def parse_filter(text: str, rtype: ResourceTypeDef, limits: FilterLimits = DEFAULT_LIMITS) -> Expr:
    """Parse ``text`` into a bound AST for ``rtype``; raise ``InvalidFilter`` naming the column on error."""
    if len(text) > limits.max_length:
        raise InvalidFilter(f"Invalid filter: longer than {limits.max_length} characters.")
    return _Parser(text, rtype, limits).parse()


def parse_value_filter(
    text: str,
    rtype: ResourceTypeDef,
    extension: str | None,
    attr: AttributeDef,
    limits: FilterLimits = DEFAULT_LIMITS,
) -> Expr:
    """Parse the ``valFilter`` of ``attr[valFilter]`` (RFC 7644 §3.5.2): names are sub-attributes of ``attr``."""
    if len(text) > limits.max_length:
        raise InvalidFilter(f"Invalid filter: longer than {limits.max_length} characters.")
    parser = _Parser(text, rtype, limits)
    if not text.strip():
        raise InvalidFilter("Invalid filter: the value filter is empty.")
    expr = parser.or_expr(ValueScope(extension, attr))
    tok = parser.peek()
    if tok is not None:
        raise parser.fail(f"unexpected '{tok.shown}'", tok)
    return expr
