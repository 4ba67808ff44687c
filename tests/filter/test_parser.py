"""Parsing filters into the bound AST (RFC 7644 §3.4.2.2): grammar, precedence, values, names and errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from scimcore.errors import InvalidFilter
from scimcore.filter import FilterLimits, compile_predicate, parse_filter
from scimcore.filter.ast import And, Compare, Expr, Not, Or, Present, ValuePath, walk
from scimcore.filter.parser import parse_value_filter, tokenize
from scimcore.schema.registry import ENTERPRISE_USER, ResourceTypeDef

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


def shape(expr: Expr) -> str:
    """A compact, fully parenthesised rendering of an AST, to assert on its structure."""
    if isinstance(expr, Compare):
        return f"{expr.path} {expr.op} {expr.value!r}"
    if isinstance(expr, Present):
        return f"{expr.path} pr"
    if isinstance(expr, And):
        return f"({shape(expr.left)} and {shape(expr.right)})"
    if isinstance(expr, Or):
        return f"({shape(expr.left)} or {shape(expr.right)})"
    if isinstance(expr, Not):
        return f"not {shape(expr.expr)}"
    return f"{expr.attr.name}[{shape(expr.filter)}]"


def error_detail(text: str, rtype: ResourceTypeDef, limits: FilterLimits | None = None) -> str:
    """The detail of the InvalidFilter that parsing ``text`` raises."""
    with pytest.raises(InvalidFilter) as info:
        if limits is None:
            parse_filter(text, rtype)
        else:
            parse_filter(text, rtype, limits)
    return info.value.detail


def column_of(detail: str) -> int:
    """The column an error detail names."""
    found = re.search(r"at column (\d+)", detail)
    assert found, detail
    return int(found.group(1))


# -- precedence ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'userName eq "a" or title eq "b" and nickName eq "c"',
            "(userName eq 'a' or (title eq 'b' and nickName eq 'c'))",
        ),
        (
            'userName eq "a" and title eq "b" or nickName eq "c"',
            "((userName eq 'a' and title eq 'b') or nickName eq 'c')",
        ),
        (
            '(userName eq "a" or title eq "b") and nickName eq "c"',
            "((userName eq 'a' or title eq 'b') and nickName eq 'c')",
        ),
        (
            'userName eq "a" or title eq "b" and nickName eq "c" or locale eq "d"',
            "((userName eq 'a' or (title eq 'b' and nickName eq 'c')) or locale eq 'd')",
        ),
        ('userName eq "a" or title pr or nickName pr', "((userName eq 'a' or title pr) or nickName pr)"),
        ('userName eq "a" and title pr and nickName pr', "((userName eq 'a' and title pr) and nickName pr)"),
        ('not (userName eq "a") and title pr', "(not userName eq 'a' and title pr)"),
        ('not (userName eq "a" or title pr)', "not (userName eq 'a' or title pr)"),
        (
            'not (userName eq "a") or title pr and not (nickName pr)',
            "(not userName eq 'a' or (title pr and not nickName pr))",
        ),
        ('not (not (userName eq "a"))', "not not userName eq 'a'"),
        ('((userName eq "a"))', "userName eq 'a'"),
        ('userName eq "a" and (title pr or nickName pr)', "(userName eq 'a' and (title pr or nickName pr))"),
    ],
)
def test_precedence(user: ResourceTypeDef, text: str, expected: str) -> None:
    """``not`` binds tighter than ``and``, ``and`` tighter than ``or``; parentheses override; chains go left."""
    assert shape(parse_filter(text, user)) == expected


def test_or_and_means_or_of_and(user: ResourceTypeDef) -> None:
    """``a or b and c`` builds the same tree as ``a or (b and c)``, not ``(a or b) and c``."""
    flat = parse_filter('userName eq "a" or title pr and nickName pr', user)
    assert flat == parse_filter('userName eq "a" or (title pr and nickName pr)', user)
    assert flat != parse_filter('(userName eq "a" or title pr) and nickName pr', user)
    assert isinstance(flat, Or)
    assert isinstance(flat.right, And)


# -- case-insensitivity of keywords, operators and names -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "lowered"),
    [
        ('userName Eq "a"', 'userName eq "a"'),
        ('userName EQ "a"', 'userName eq "a"'),
        ('userName eQ "a"', 'userName eq "a"'),
        ('userName NE "a"', 'userName ne "a"'),
        ('userName Co "a"', 'userName co "a"'),
        ('userName SW "a"', 'userName sw "a"'),
        ('userName eW "a"', 'userName ew "a"'),
        ('userName GT "a"', 'userName gt "a"'),
        ('userName Ge "a"', 'userName ge "a"'),
        ('userName LT "a"', 'userName lt "a"'),
        ('userName lE "a"', 'userName le "a"'),
        ("title PR", "title pr"),
        ("title Pr", "title pr"),
        ('userName eq "a" AND title pr', 'userName eq "a" and title pr'),
        ('userName eq "a" And title pr', 'userName eq "a" and title pr'),
        ('userName eq "a" OR title pr', 'userName eq "a" or title pr'),
        ('userName eq "a" oR title pr', 'userName eq "a" or title pr'),
        ("NOT (title pr)", "not (title pr)"),
        ("Not (title pr)", "not (title pr)"),
        ("active eq TRUE", "active eq true"),
        ("active eq False", "active eq false"),
        ("title eq NULL", "title eq null"),
        ('userName eq "a" OR title pr AND nickName pr', 'userName eq "a" or title pr and nickName pr'),
    ],
)
def test_keywords_are_case_insensitive(user: ResourceTypeDef, text: str, lowered: str) -> None:
    """Operators, logical keywords and literals parse the same in any case."""
    assert parse_filter(text, user) == parse_filter(lowered, user)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ('USERNAME eq "a"', 'userName eq "a"'),
        ('username eq "a"', 'userName eq "a"'),
        ('NAME.FAMILYNAME eq "a"', 'name.familyName eq "a"'),
        ('Emails[TYPE eq "work"]', 'emails[type eq "work"]'),
        ('emails[type eq "work"].VALUE eq "x"', 'emails[type eq "work"].value eq "x"'),
        ('EXTERNALID eq "x"', 'externalId eq "x"'),
        ('Meta.LastModified gt "2024-01-01T00:00:00Z"', 'meta.lastModified gt "2024-01-01T00:00:00Z"'),
        ('MANAGER eq "m1"', 'manager eq "m1"'),
        (f'{ENTERPRISE_USER.upper()}:MANAGER.VALUE eq "m1"', f'{ENTERPRISE_USER}:manager.value eq "m1"'),
        (f'{CORE.lower()}:USERNAME eq "a"', 'userName eq "a"'),
    ],
)
def test_attribute_names_are_case_insensitive(user: ResourceTypeDef, text: str, canonical: str) -> None:
    """Attribute names and schema URNs match in any case (RFC 7643 §2.1) and bind to the schema's spelling."""
    assert parse_filter(text, user) == parse_filter(canonical, user)


def test_bound_path_uses_schema_spelling(user: ResourceTypeDef) -> None:
    """The AST carries the schema's spelling of a name, whatever the filter's spelling."""
    expr = parse_filter('NAME.FAMILYNAME eq "x"', user)
    assert isinstance(expr, Compare)
    assert str(expr.path) == "name.familyName"


# -- operators --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"])
def test_every_comparison_operator_parses(user: ResourceTypeDef, op: str) -> None:
    """Each comparison operator of RFC 7644 Table 3 becomes a Compare node with that operator."""
    expr = parse_filter(f'userName {op} "x"', user)
    assert isinstance(expr, Compare)
    assert (expr.op, expr.value, str(expr.path)) == (op, "x", "userName")


def test_pr_parses_to_present(user: ResourceTypeDef) -> None:
    """``attr pr`` becomes a Present node."""
    expr = parse_filter("title pr", user)
    assert isinstance(expr, Present)
    assert str(expr.path) == "title"


# -- values -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('userName eq "bjensen"', "bjensen"),
        ('userName eq ""', ""),
        (r'userName eq "a\"b"', 'a"b'),
        (r'userName eq "\u00e9"', "é"),
        (r'userName eq "\u00C9t\u00e9"', "Été"),
        (r'userName eq "\ud83d\ude00"', "\U0001f600"),
        (r'userName eq "back\\slash"', "back\\slash"),
        (r'userName eq "tab\there"', "tab\there"),
        (r'userName eq "a\/b"', "a/b"),
        ('userName eq "é"', "é"),
        ('userName eq "with space"', "with space"),
        ('userName eq "and or not ( ) [ ]"', "and or not ( ) [ ]"),
        # Bare words read as strings (Microsoft's documentation shows externalId eq jyoung).
        ("externalId eq jyoung", "jyoung"),
        ("externalId eq jyoung@corp.com", "jyoung@corp.com"),
        ("externalId eq 7f4bc1a3-285e-48ae-8202-5accb43efb0e", "7f4bc1a3-285e-48ae-8202-5accb43efb0e"),
        ("externalId eq 12345678-1234-1234-1234-123456789abc", "12345678-1234-1234-1234-123456789abc"),
        ("externalId eq 00123", "00123"),
        ("externalId eq a:b:c", "a:b:c"),
        ("externalId eq nothing", "nothing"),
        ("externalId eq truex", "truex"),
        ("externalId eq nullify", "nullify"),
        ("externalId eq andrew", "andrew"),
        ("externalId eq oregon", "oregon"),
        ("externalId eq -", "-"),
        ("profileUrl eq https://example.com/u?id=1", "https://example.com/u?id=1"),
        # A JSON number where a string belongs compares as written.
        ("externalId eq 123", "123"),
        ("externalId eq -1.50", "-1.50"),
        ("externalId eq 1e3", "1e3"),
        # null and booleans keep their JSON meaning.
        ("title eq null", None),
        ("title ne null", None),
        ("active eq true", True),
        ("active eq false", False),
        # Entra sends booleans as strings.
        ('active eq "True"', True),
        ('active eq "false"', False),
        ('emails[primary eq "True"]', True),
    ],
)
def test_comparison_values(user: ResourceTypeDef, text: str, value: object) -> None:
    """Strings follow JSON escapes, bare words are strings, and true/false/null keep JSON meaning."""
    compares = [node for node in walk(parse_filter(text, user)) if isinstance(node, Compare)]
    assert len(compares) == 1
    assert compares[0].value == value
    assert type(compares[0].value) is type(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ports eq 4", 4),
        ("ports eq -4", -4),
        ("ports eq 4.0", 4),
        ("ports eq 4e0", 4),
        ('ports eq "4"', 4),
        ("ports gt 1e3", 1000),
        ("weight eq 1.5", Decimal("1.5")),
        ("weight eq -0.25", Decimal("-0.25")),
        ("weight eq 15e-1", Decimal("1.5")),
        ("weight eq 2", Decimal(2)),
        ('weight eq "2.5"', Decimal("2.5")),
    ],
)
def test_number_values(device: ResourceTypeDef, text: str, value: object) -> None:
    """JSON numbers (negative, fractional, with exponent) become an int for integers, a Decimal for decimals."""
    expr = parse_filter(text, device)
    assert isinstance(expr, Compare)
    assert expr.value == value
    assert type(expr.value) is type(value)


@pytest.mark.parametrize(
    ("literal", "instant"),
    [
        ('"2024-01-01T00:00:00Z"', datetime(2024, 1, 1, tzinfo=UTC)),
        ('"2024-01-01T00:00:00z"', datetime(2024, 1, 1, tzinfo=UTC)),
        ('"2024-01-01T00:00:00.123Z"', datetime(2024, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)),
        ('"2024-01-01T02:00:00+02:00"', datetime(2024, 1, 1, tzinfo=UTC)),
        ('"2023-12-31T19:00:00-05:00"', datetime(2024, 1, 1, tzinfo=UTC)),
        ('"2024-01-01T00:00:00"', datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
    ],
)
def test_datetime_values_are_instants(user: ResourceTypeDef, literal: str, instant: datetime) -> None:
    """dateTime values parse to time-zone-aware instants; a value without a zone is UTC."""
    expr = parse_filter(f"meta.lastModified gt {literal}", user)
    assert isinstance(expr, Compare)
    assert isinstance(expr.value, datetime)
    assert expr.value.tzinfo is not None
    assert expr.value == instant


def test_datetime_keeps_its_offset(user: ResourceTypeDef) -> None:
    """A dateTime with an offset keeps it (the instant is what compares)."""
    expr = parse_filter('meta.created ge "2024-01-01T02:00:00+02:00"', user)
    assert isinstance(expr, Compare)
    assert isinstance(expr.value, datetime)
    assert expr.value.utcoffset() == timedelta(hours=2)
    assert expr.value.tzinfo == timezone(timedelta(hours=2))


@pytest.mark.parametrize("op", ["co", "sw", "ew"])
def test_substring_operators_on_datetime_keep_text(user: ResourceTypeDef, op: str) -> None:
    """``co``/``sw``/``ew`` on a dateTime compare text, so the value stays a string."""
    expr = parse_filter(f'meta.created {op} "2024-01"', user)
    assert isinstance(expr, Compare)
    assert expr.value == "2024-01"


# -- keywords only as whole words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["notes", "orderNumber", "android", "prefix", "eqClass", "trueName", "nullable", "falsehood"]
)
def test_attribute_names_starting_with_keywords(device: ResourceTypeDef, name: str) -> None:
    """A name that starts with a keyword or literal (``notes``, ``orderNumber``, ``trueName``) is a name."""
    expr = parse_filter(f'{name} eq "x" and {name} pr', device)
    assert isinstance(expr, And)
    assert isinstance(expr.left, Compare)
    assert expr.left.path.attr.name == name
    assert isinstance(expr.right, Present)


def test_keywords_need_no_surrounding_space_after_strings(user: ResourceTypeDef) -> None:
    """A keyword right after a closing quote or parenthesis still reads as a keyword."""
    assert parse_filter('(userName eq"a")and(title pr)', user) == parse_filter('userName eq "a" and title pr', user)


def test_tabs_count_as_white_space(user: ResourceTypeDef) -> None:
    """Tabs separate tokens like spaces."""
    assert parse_filter('userName\teq\t"a"', user) == parse_filter('userName eq "a"', user)


# -- names: sub-attributes, value paths, URNs, extensions -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name.familyName eq "Jensen"', "name.familyName eq 'Jensen'"),
        ('emails.value co "@corp"', "emails.value co '@corp'"),
        ('emails co "@corp"', "emails.value co '@corp'"),
        ('emails.type eq "work"', "emails.type eq 'work'"),
        ('groups.$ref sw "https://"', "groups.$ref sw 'https://'"),
        ('emails[type eq "work"]', "emails[emails.type eq 'work']"),
        (
            'emails[type eq "work" and value co "@corp"]',
            "emails[(emails.type eq 'work' and emails.value co '@corp')]",
        ),
        (
            'emails[type eq "work" and (value co "@a" or value co "@b")]',
            "emails[(emails.type eq 'work' and (emails.value co '@a' or emails.value co '@b'))]",
        ),
        ('emails[not (type eq "work")]', "emails[not emails.type eq 'work']"),
        ("emails[primary eq true]", "emails[emails.primary eq True]"),
        # Entra: a value path followed by a sub-attribute comparison applies both to the same value.
        ('emails[type eq "work"].value eq "x"', "emails[(emails.type eq 'work' and emails.value eq 'x')]"),
        ('emails[type eq "work"].value pr', "emails[(emails.type eq 'work' and emails.value pr)]"),
        (
            'addresses[type eq "work"].locality eq "Paris"',
            "addresses[(addresses.type eq 'work' and addresses.locality eq 'Paris')]",
        ),
        (
            'emails[type eq "work"] or ims[type eq "xmpp" and value co "@foo.com"]',
            "(emails[emails.type eq 'work'] or ims[(ims.type eq 'xmpp' and ims.value co '@foo.com')])",
        ),
        (
            'userName eq "a" and emails[type eq "work"].value eq "x"',
            "(userName eq 'a' and emails[(emails.type eq 'work' and emails.value eq 'x')])",
        ),
        (
            'meta.lastModified gt "2024-01-01T00:00:00Z"',
            "meta.lastModified gt datetime.datetime(2024, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)",
        ),
        ('meta.resourceType eq "User"', "meta.resourceType eq 'User'"),
        ('id eq "2819c223"', "id eq '2819c223'"),
        # Core URN-qualified names resolve to the core (not an extension).
        (f'{CORE}:userName eq "a"', "userName eq 'a'"),
        (f'{CORE}:name.familyName eq "a"', "name.familyName eq 'a'"),
        (f'{CORE}:emails[type eq "work"]', "emails[emails.type eq 'work']"),
        # Enterprise extension, qualified and not; a complex attribute alone compares its value.
        (f'{ENTERPRISE_USER}:manager.value eq "m1"', f"{ENTERPRISE_USER}:manager.value eq 'm1'"),
        (f'{ENTERPRISE_USER}:manager eq "m1"', f"{ENTERPRISE_USER}:manager.value eq 'm1'"),
        ('manager eq "m1"', f"{ENTERPRISE_USER}:manager.value eq 'm1'"),
        ('manager.displayName sw "Bo"', f"{ENTERPRISE_USER}:manager.displayName sw 'Bo'"),
        (f'{ENTERPRISE_USER}:employeeNumber eq "701984"', f"{ENTERPRISE_USER}:employeeNumber eq '701984'"),
        ('department eq "Sales"', f"{ENTERPRISE_USER}:department eq 'Sales'"),
        # Entra's manager check.
        (
            'id eq "u1" and manager eq "m1"',
            f"(id eq 'u1' and {ENTERPRISE_USER}:manager.value eq 'm1')",
        ),
    ],
)
def test_attribute_paths(user: ResourceTypeDef, text: str, expected: str) -> None:
    """Sub-attributes, value paths, the Entra ``[...].sub`` form and URN-qualified names resolve as RFC 7644 §3.10."""
    assert shape(parse_filter(text, user)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("emails pr", "emails pr"),
        ("manager pr", f"{ENTERPRISE_USER}:manager pr"),
        ("name pr", "name pr"),
        ("manager eq null", f"{ENTERPRISE_USER}:manager eq None"),
        ("emails ne null", "emails ne None"),
        ("emails.value pr", "emails.value pr"),
        ("manager.value pr", f"{ENTERPRISE_USER}:manager.value pr"),
        ('manager eq "m1"', f"{ENTERPRISE_USER}:manager.value eq 'm1'"),
    ],
)
def test_presence_of_a_complex_attribute_asks_about_the_whole_node(
    user: ResourceTypeDef, text: str, expected: str
) -> None:
    """``pr`` and ``eq null`` on a complex attribute named alone test the node itself, not its ``value``."""
    assert shape(parse_filter(text, user)) == expected


def test_extension_attribute_carries_its_urn(user: ResourceTypeDef) -> None:
    """A path into the enterprise extension records the extension URN, the attribute and the sub-attribute."""
    expr = parse_filter('manager eq "m1"', user)
    assert isinstance(expr, Compare)
    assert expr.path.extension == ENTERPRISE_USER
    assert expr.path.attr.name == "manager"
    assert expr.path.sub is not None and expr.path.sub.name == "value"


def test_value_path_records_its_attribute(user: ResourceTypeDef) -> None:
    """A value path node names the multi-valued attribute it filters."""
    expr = parse_filter('emails[type eq "work"]', user)
    assert isinstance(expr, ValuePath)
    assert (expr.extension, expr.attr.name) == (None, "emails")


def test_group_members_filter(group: ResourceTypeDef) -> None:
    """Group filters resolve against the Group schema (members value path)."""
    assert shape(parse_filter('members[value eq "u1"]', group)) == "members[members.value eq 'u1']"
    assert shape(parse_filter('displayName eq "Admins"', group)) == "displayName eq 'Admins'"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('x509Certificates.value eq "MIIC"', "binary"),
        ('x509Certificates eq "MIIC"', "binary"),
        ('profileUrl sw "https://"', "reference"),
        ('photos.value eq "https://photos.example.com/1.jpg"', "reference"),
        ('meta.location eq "https://x/Users/1"', "reference"),
        ('groups.$ref eq "https://x/Groups/1"', "reference"),
        ("emails.primary eq true", "boolean"),
        ('meta.created eq "2024-01-01T00:00:00Z"', "dateTime"),
    ],
)
def test_paths_bind_to_the_attribute_type(user: ResourceTypeDef, text: str, kind: str) -> None:
    """Every path in the AST carries the target attribute's type from the schema."""
    expr = parse_filter(text, user)
    assert isinstance(expr, Compare)
    assert expr.path.target.type == kind


# -- parse_value_filter (PATCH paths) -------------------------------------------------------------------


def test_value_filter_names_sub_attributes(user: ResourceTypeDef) -> None:
    """The valFilter of a PATCH path names sub-attributes of its attribute."""
    emails = user.attr("emails")
    assert emails is not None
    expr = parse_value_filter('type eq "work" and primary eq "True"', user, None, emails)
    assert shape(expr) == "(emails.type eq 'work' and emails.primary eq True)"


@pytest.mark.parametrize(
    ("text", "fragment"), [("", "empty"), ('foo eq "x"', "'emails.foo'"), ('type eq "a" )', "')'")]
)
def test_value_filter_errors(user: ResourceTypeDef, text: str, fragment: str) -> None:
    """A bad valFilter raises InvalidFilter saying what is wrong."""
    emails = user.attr("emails")
    assert emails is not None
    with pytest.raises(InvalidFilter) as info:
        parse_value_filter(text, user, None, emails)
    assert fragment in info.value.detail


# -- syntax errors and their columns --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ('userName eq "a" and', 20, "expected an attribute expression, found end of filter"),
        ('userName eq "a" or', 19, "found end of filter"),
        ("userName eq", 12, "expected a value, found end of filter"),
        ("userName", 9, "expected an operator after 'userName', found end of filter"),
        ('userName xx "a"', 10, "expected an operator after 'userName', found 'xx'"),
        ('userName "a"', 10, "expected an operator"),
        ('(userName eq "a"', 17, "expected ')', found end of filter"),
        ('userName eq "a")', 16, "unexpected ')'"),
        ('not userName eq "a"', 5, "expected '(' after 'not', found 'userName'"),
        ("not", 4, "'(' after 'not'"),
        ("()", 2, "expected an attribute expression, found ')'"),
        ('userName eq "a" & title pr', 17, "unexpected '&'"),
        ('userName eq "abc', 13, "unterminated string"),
        ('userName eq abc"def', 16, "unterminated string"),
        (r'userName eq "a\x"', 13, "invalid string"),
        ('userName eq "a\tb"', 13, "invalid string"),
        ('emails[type eq "work"', 22, "expected ']', found end of filter"),
        ('emails[type eq "work"] .value eq "x"', 24, "unexpected '.value'"),
        ('emails[type eq "work"].value', 29, "expected an operator"),
        ("emails[emails[value pr]]", 14, "value filters cannot be nested"),
        ("emails[]", 8, "expected an attribute expression, found ']'"),
        ('userName eq "a" "b"', 17, "unexpected '\"b\"'"),
        ("userName pr pr", 13, "unexpected 'pr'"),
        ('userName eq "a" or or title pr', 20, "found 'or'"),
        ("  userName eq", 14, "expected a value"),
        ('eq "a"', 1, "expected an attribute expression, found 'eq'"),
        ('"a" eq userName', 1, "expected an attribute expression"),
        ("userName eq and", 13, "expected a value, found 'and'"),
        ("userName eq (", 13, "expected a value, found '('"),
        ('title eq "x" and (', 19, "found end of filter"),
        ('title eq "x" and not (title pr', 31, "expected ')'"),
        ('userName[value eq "x"]', 1, "'userName' is not a multi-valued complex attribute"),
        ('name[givenName eq "x"]', 1, "'name' is not a multi-valued complex attribute"),
        ('name.familyName[value eq "x"]', 16, "cannot be followed by '['"),
        ('userName eq "a" and title', 26, "expected an operator after 'title'"),
    ],
)
def test_syntax_errors_name_the_column(user: ResourceTypeDef, text: str, column: int, fragment: str) -> None:
    """A syntax error raises InvalidFilter whose detail gives the 1-based column and what was wrong."""
    detail = error_detail(text, user)
    assert column_of(detail) == column
    assert fragment in detail


@pytest.mark.parametrize("text", ["", " ", "\t  "])
def test_empty_filter_is_invalid(user: ResourceTypeDef, text: str) -> None:
    """An empty or blank filter is an InvalidFilter, not a match-everything."""
    assert "empty" in error_detail(text, user)


def test_invalid_filter_is_a_400_invalid_filter(user: ResourceTypeDef) -> None:
    """Filter errors carry HTTP 400 and scimType invalidFilter (RFC 7644 §3.12)."""
    with pytest.raises(InvalidFilter) as info:
        parse_filter('userName eq "a" and', user)
    assert info.value.status == 400
    assert info.value.body()["scimType"] == "invalidFilter"


def test_tokenize_never_raises_on_stray_characters() -> None:
    """The lexer turns characters it does not know into BAD tokens with their offsets."""
    tokens = tokenize('userName eq "a" & ~')
    assert [(t.type, t.value, t.index) for t in tokens[-2:]] == [("BAD", "&", 16), ("BAD", "~", 18)]


# -- unknown attributes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "name"),
    [
        ('foo eq "x"', 1, "'foo'"),
        ("foo pr", 1, "'foo'"),
        ('title eq "x" and bogus pr', 18, "'bogus'"),
        ('userName eq "a" or foo eq "b"', 20, "'foo'"),
        ('name.nickname eq "x"', 1, "'name.nickname'"),
        ('userName.foo eq "x"', 1, "'userName.foo'"),
        ('emails.foo eq "x"', 1, "'emails.foo'"),
        ('emails[foo eq "x"]', 8, "'emails.foo'"),
        ('emails[type eq "work" and value.x eq "x"]', 27, "'emails.value.x'"),
        ('emails[type eq "work"].foo eq "x"', 23, "'emails.foo'"),
        ('foo[type eq "work"]', 1, "'foo'"),
        ('manager.foo eq "x"', 1, "'manager.foo'"),
        (f'{ENTERPRISE_USER}:userName eq "x"', 1, f"'{ENTERPRISE_USER}:userName'"),
        (f'{ENTERPRISE_USER}:foo eq "x"', 1, f"'{ENTERPRISE_USER}:foo'"),
        ('urn:example:unknown:1.0:User:foo eq "x"', 1, "unknown schema 'urn:example:unknown:1.0:User'"),
        ("not (foo pr)", 6, "'foo'"),
    ],
)
def test_unknown_attribute_is_named(user: ResourceTypeDef, text: str, column: int, name: str) -> None:
    """An unknown attribute is an InvalidFilter naming it and its column, never a silently dropped term."""
    detail = error_detail(text, user)
    assert name in detail
    assert column_of(detail) == column


def test_user_attribute_is_unknown_on_groups(group: ResourceTypeDef) -> None:
    """Names resolve per resource type: ``userName`` is unknown on Group."""
    assert "unknown attribute 'userName'" in error_detail('userName eq "x"', group)


def test_urn_inside_a_value_filter_is_rejected(user: ResourceTypeDef) -> None:
    """Names inside ``[...]`` are sub-attributes; a URN-qualified name there is an error."""
    detail = error_detail(f'emails[{CORE}:value eq "x"]', user)
    assert "URN-qualified names are not allowed inside a value filter" in detail
    assert column_of(detail) == 8


# -- type errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["gt", "ge", "lt", "le"])
@pytest.mark.parametrize(
    ("path", "value", "kind"),
    [
        ("active", "true", "boolean"),
        ("emails.primary", "false", "boolean"),
        ("x509Certificates.value", '"MIIC"', "binary"),
    ],
)
def test_ordering_on_boolean_or_binary_is_invalid(
    user: ResourceTypeDef, op: str, path: str, value: str, kind: str
) -> None:
    """``gt``/``ge``/``lt``/``le`` on a boolean or binary attribute is an InvalidFilter (RFC 7644 Table 3)."""
    detail = error_detail(f"{path} {op} {value}", user)
    assert f"'{op}' is not allowed on {kind} attribute '{path}'" in detail


@pytest.mark.parametrize("op", ["gt", "ge", "lt", "le"])
def test_ordering_on_boolean_inside_value_filter_is_invalid(user: ResourceTypeDef, op: str) -> None:
    """The ordering rule holds inside ``[...]`` too."""
    assert "boolean" in error_detail(f"emails[primary {op} true]", user)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('blob gt "AA=="', "'gt' is not allowed on binary attribute 'blob'"),
        ("enabled le false", "'le' is not allowed on boolean attribute 'enabled'"),
        ('enabled co "t"', "'co' is not allowed on boolean attribute 'enabled'"),
        ("ports sw 1", "'sw' is not allowed on integer attribute 'ports'"),
        ('weight ew "5"', "'ew' is not allowed on decimal attribute 'weight'"),
        ('ports eq "four"', '"four" is not a number'),
        ("ports eq 1.5", "1.5 is not an integer"),
        ("ports eq true", "true is not a number"),
        ("weight eq false", "false is not a number"),
        ("ports eq four", '"four" is not a number'),
        ('seen gt "yesterday"', '"yesterday" is not an xsd:dateTime'),
        ("enabled eq 1", "1 is not a boolean"),
        ('enabled eq "yes"', '"yes" is not a boolean'),
        ("serial eq true", "true is not a string"),
    ],
)
def test_values_of_the_wrong_type_are_invalid(device: ResourceTypeDef, text: str, fragment: str) -> None:
    """A value that cannot be the attribute's type, or an operator the type does not allow, is an InvalidFilter."""
    assert fragment in error_detail(text, device)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("title co null", "'co' cannot compare with null"),
        ("title gt null", "'gt' cannot compare with null"),
        ('name eq "x"', "'name' is complex: compare one of its sub-attributes"),
        ('active eq "yes"', "is not a boolean for attribute 'active'"),
        ('meta.created gt "notadate"', "is not an xsd:dateTime for attribute 'meta.created'"),
        ("userName eq true", "is not a string for attribute 'userName'"),
    ],
)
def test_user_type_errors(user: ResourceTypeDef, text: str, fragment: str) -> None:
    """Type errors on User attributes name the attribute."""
    assert fragment in error_detail(text, user)


# -- limits ---------------------------------------------------------------------------------------------------


def test_two_thousand_nested_parentheses_are_refused(user: ResourceTypeDef) -> None:
    """2,000 nested parentheses raise InvalidFilter at the first parenthesis past the depth limit."""
    text = "(" * 2000 + 'userName eq "a"' + ")" * 2000
    detail = error_detail(text, user)
    assert "nesting deeper than 50 levels" in detail
    assert column_of(detail) == 51


def test_a_thousand_nested_nots_are_refused(user: ResourceTypeDef) -> None:
    """1,000 nested ``not (`` (short enough for the length limit) raise InvalidFilter, not RecursionError."""
    text = "not (" * 1000 + 'userName eq "a"' + ")" * 1000
    detail = error_detail(text, user)
    assert "nesting deeper" in detail
    assert column_of(detail) == 50 * 5 + 5


def test_unbalanced_deep_nesting_is_refused(user: ResourceTypeDef) -> None:
    """A long run of opening parentheses alone is refused by the depth limit."""
    assert "nesting deeper" in error_detail("(" * 2000, user)


def test_deep_unbalanced_run_under_generous_length_limit(user: ResourceTypeDef) -> None:
    """The depth limit holds even when the length limit is raised far above it."""
    assert "nesting deeper" in error_detail("(" * 100_000, user, FilterLimits(max_length=200_000))


def test_five_thousand_term_or_is_refused(user: ResourceTypeDef) -> None:
    """A 5,000-term ``or`` raises InvalidFilter under the default limits."""
    text = " or ".join(f'userName eq "u{i}"' for i in range(5000))
    error_detail(text, user)


def test_term_limit_applies_when_length_allows(user: ResourceTypeDef) -> None:
    """With the length limit lifted, the comparison-count limit refuses a 5,000-term ``or``."""
    text = " or ".join(f'userName eq "u{i}"' for i in range(5000))
    detail = error_detail(text, user, FilterLimits(max_length=1_000_000))
    assert "more than 500 comparisons" in detail


def test_length_limit(user: ResourceTypeDef) -> None:
    """A filter longer than the length limit is refused before it is lexed."""
    detail = error_detail('userName eq "' + "a" * 9000 + '"', user)
    assert "longer than 8192 characters" in detail


def test_filters_at_the_limits_are_accepted(user: ResourceTypeDef) -> None:
    """Exactly 50 levels and exactly 500 comparisons are allowed."""
    parse_filter("(" * 50 + 'userName eq "a"' + ")" * 50, user)
    parse_filter(" or ".join(f'userName eq "{i}"' for i in range(500)), user, FilterLimits(max_length=100_000))


def test_custom_limits_are_honoured(user: ResourceTypeDef) -> None:
    """Tighter limits refuse what the defaults accept."""
    limits = FilterLimits(max_length=40, max_depth=2, max_terms=2)
    assert "nesting deeper than 2" in error_detail("(((title pr)))", user, limits)
    assert "more than 2 comparisons" in error_detail("title pr or title pr or title pr", user, limits)
    assert "longer than 40" in error_detail("title pr or " * 4 + "title pr", user, limits)


def test_large_filters_within_raised_limits_evaluate(user: ResourceTypeDef) -> None:
    """Raised limits work end to end: a 5,000-term ``or`` and 200-level nesting parse and evaluate."""
    wide = " or ".join(f'userName eq "u{i}"' for i in range(5000))
    limits = FilterLimits(max_length=1_000_000, max_depth=200, max_terms=10_000)
    assert compile_predicate(parse_filter(wide, user, limits))({"userName": "U4999"})
    deep = "not (" * 200 + 'userName eq "a"' + ")" * 200
    assert compile_predicate(parse_filter(deep, user, limits))({"userName": "a"})


# -- hostile numbers and long tokens (regressions) -------------------------------------------------------------


def test_huge_number_on_a_string_attribute_is_text(user: ResourceTypeDef) -> None:
    """A 5,000-digit number where a string belongs compares as its text (no int conversion error)."""
    expr = parse_filter("externalId eq " + "9" * 5000, user)
    assert isinstance(expr, Compare)
    assert expr.value == "9" * 5000


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ports eq " + "9" * 5000, "out of range"),
        ("ports eq 1e999999", "1E+999999 is out of range"),
        ('ports eq "1e999999"', "out of range"),
        ("weight gt 1e999999", "out of range"),
        ('ports gt "NaN"', '"NaN" is not a number'),
        ('weight lt "Infinity"', '"Infinity" is not a number'),
        ('weight eq "-Infinity"', "is not a number"),
        ('weight eq "sNaN"', "is not a number"),
        ('ports eq "1.5"', '"1.5" is not an integer'),
        ("enabled eq 1.5", "1.5 is not a boolean"),
        ("enabled eq 1e3", "is not a boolean"),
    ],
)
def test_hostile_numbers_are_invalid(device: ResourceTypeDef, text: str, fragment: str) -> None:
    """Non-finite, non-integral or astronomically large numbers raise InvalidFilter at once (no huge ints built)."""
    detail = error_detail(text, device)
    assert fragment in detail
    assert len(detail) < 200


@pytest.mark.parametrize(
    "text",
    [
        "userName pr " + "9" * 5000,
        'userName eq "' + "\\x" * 1000 + '"',
        "userName " + "x" * 3000,
        'userName eq "a" ' + "q" * 3000,
    ],
)
def test_error_details_shorten_long_tokens(user: ResourceTypeDef, text: str) -> None:
    """An error quoting a long token shortens it, so the detail stays readable."""
    detail = error_detail(text, user)
    assert "..." in detail
    assert len(detail) < 200
