"""In-memory evaluation of parsed filters against canonical documents (RFC 7644 §3.4.2.2)."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.filter import compile_predicate, parse_filter
from scimcore.filter.evaluate import compile_item_predicate
from scimcore.filter.parser import parse_value_filter
from scimcore.schema.registry import ENTERPRISE_USER, ResourceTypeDef

BJENSEN: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "AbC-123",
    "userName": "bjensen@example.com",
    "name": {"familyName": "Jensen", "givenName": "Barbara"},
    "displayName": 'Babs "B" Jensen',
    "nickName": "",
    "title": "Tour Guide",
    "profileUrl": "https://login.example.com/bjensen",
    "active": True,
    "emails": [
        {"value": "b@home.example", "type": "home"},
        {"value": "bjensen@corp.local", "type": "work", "primary": True},
    ],
    "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
    "groups": [{"value": "g1", "$ref": "https://example.com/v2/Groups/g1", "display": "Tour Guides"}],
    "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJ"}],
    ENTERPRISE_USER: {
        "employeeNumber": "701984",
        "department": "Tour Operations",
        "manager": {"value": "m1-Id", "displayName": "John Smith"},
    },
    "meta": {
        "resourceType": "User",
        "created": "2024-01-01T00:00:00Z",
        "lastModified": "2024-06-01T12:00:00+02:00",
        "version": 'W/"3"',
    },
}

DEVICE: dict[str, Any] = {
    "serial": "AbC",
    "ports": 4,
    "weight": 1.5,
    "tags": ["red", "Blue"],
    "seen": "2024-03-10T08:00:00+01:00",
    "enabled": False,
    "blob": "AAEC",
    "home": "https://Example.com/Devices/1",
}


def matches(text: str, rtype: ResourceTypeDef, doc: dict[str, Any]) -> bool:
    """Parse ``text`` for ``rtype`` and evaluate it on ``doc``."""
    return compile_predicate(parse_filter(text, rtype))(doc)


def cases(*rows: tuple[str, bool]) -> Any:
    """A parametrize table of (filter, expected) with the filter as the test id."""
    return pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in rows])


# -- operators x attribute types ----------------------------------------------------------------------------


@cases(
    # userName and title are not caseExact: every operator ignores case.
    ('userName eq "BJensen@Example.COM"', True),
    ('userName eq "bjensen"', False),
    ('userName ne "BJENSEN@EXAMPLE.COM"', False),
    ('userName ne "someone"', True),
    ('title co "GUIDE"', True),
    ('title co "our g"', True),
    ('title co "xyz"', False),
    ('title sw "tour"', True),
    ('title sw "Tour Guide"', True),
    ('title sw "guide"', False),
    ('title ew "GUIDE"', True),
    ('title ew "tour"', False),
    ('title co ""', True),
    ("title pr", True),
    ("locale pr", False),
    ('userName gt "BA"', True),
    ('userName gt "C"', False),
    ('userName ge "BJENSEN@EXAMPLE.COM"', True),
    ('userName lt "c"', True),
    ('userName lt "BJENSEN@example.com"', False),
    ('userName le "BJENSEN@EXAMPLE.COM"', True),
    ('userName le "a"', False),
)
def test_string_not_case_exact(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """On a string that is not caseExact, comparisons ignore case and ordering is lexicographic."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    # externalId and id are caseExact (RFC 7643 §3.1).
    ('externalId eq "AbC-123"', True),
    ('externalId eq "abc-123"', False),
    ('externalId ne "abc-123"', True),
    ('externalId ne "AbC-123"', False),
    ('externalId co "C-1"', True),
    ('externalId co "c-1"', False),
    ('externalId sw "Ab"', True),
    ('externalId sw "ab"', False),
    ('externalId ew "123"', True),
    ('externalId ew "C-123"', True),
    ('externalId ew "c-123"', False),
    ("externalId pr", True),
    ('externalId gt "A"', True),
    ('externalId gt "a"', False),
    ('externalId ge "AbC-123"', True),
    ('externalId lt "a"', True),
    ('externalId lt "A"', False),
    ('externalId le "AbC-123"', True),
    ('id eq "2819C223-7F76-453A-919D-413861904646"', False),
    ('id eq "2819c223-7f76-453a-919d-413861904646"', True),
)
def test_string_case_exact(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """On a caseExact string, comparisons respect case (so 'A' < 'a' in ordering)."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ('serial eq "AbC"', True),
    ('serial eq "abc"', False),
    ('serial sw "Ab"', True),
    ('serial sw "ab"', False),
)
def test_custom_case_exact_string(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """A custom schema's caseExact flag drives comparison."""
    assert matches(text, device, DEVICE) is expected


@cases(
    ("active eq true", True),
    ("active eq TRUE", True),
    ("active eq false", False),
    ("active ne false", True),
    ("active ne true", False),
    ('active eq "True"', True),
    ('active eq "False"', False),
    ("active pr", True),
    ("emails[primary eq true]", True),
    ('emails[primary eq true and type eq "home"]', False),
    ("emails.primary eq true", True),
    ("emails.primary eq false", False),
)
def test_boolean(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """Booleans compare by value; Entra's "True"/"False" strings compare as booleans."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ("enabled eq false", True),
    ("enabled eq true", False),
    ("enabled ne true", True),
    ("enabled pr", True),
)
def test_false_is_a_value(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """``false`` is a present value: it matches ``eq false`` and ``pr``."""
    assert matches(text, device, DEVICE) is expected


@cases(
    ("ports eq 4", True),
    ("ports eq 4.0", True),
    ('ports eq "4"', True),
    ("ports eq 5", False),
    ("ports ne 5", True),
    ("ports ne 4", False),
    ("ports gt 3", True),
    ("ports gt 4", False),
    ("ports ge 4", True),
    ("ports lt 10", True),
    ("ports lt 4", False),
    ("ports le 4", True),
    ("ports gt -1", True),
    ("ports pr", True),
    ("weight eq 1.5", True),
    ("weight eq 1.50", True),
    ("weight eq 15e-1", True),
    ("weight ne 1.5", False),
    ("weight gt 1", True),
    ("weight gt 1.5", False),
    ("weight ge 1.5", True),
    ("weight lt 10", True),
    ("weight lt 1.49", False),
    ("weight le 1.5", True),
    ("weight pr", True),
)
def test_integer_and_decimal(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """Integers and decimals compare numerically (``4 lt 10``, although "4" > "10" as text)."""
    assert matches(text, device, DEVICE) is expected


@pytest.mark.parametrize(
    ("stored", "text", "expected"),
    [
        (2, "weight eq 2", True),
        (2, "weight eq 2.0", True),
        (0.1, "weight eq 0.1", True),
        (0.1, "weight gt 0.09999", True),
        (3.0, "ports eq 3", True),
        (-7, "ports lt -6", True),
    ],
)
def test_numbers_stored_as_int_or_float(device: ResourceTypeDef, stored: Any, text: str, expected: bool) -> None:
    """Stored JSON numbers (int or float) compare exactly with filter numbers."""
    doc = {"weight": stored, "ports": stored}
    assert matches(text, device, doc) is expected


@cases(
    # meta.created is 2024-01-01T00:00:00Z; meta.lastModified is 2024-06-01T12:00:00+02:00 (10:00Z).
    ('meta.created eq "2024-01-01T00:00:00Z"', True),
    ('meta.created eq "2024-01-01T01:00:00+01:00"', True),
    ('meta.created eq "2023-12-31T19:00:00-05:00"', True),
    ('meta.created eq "2024-01-01T00:00:00.000Z"', True),
    ('meta.created eq "2024-01-01T00:00:00"', True),
    ('meta.created eq "2024-01-01T00:00:01Z"', False),
    ('meta.created ne "2024-01-01T01:00:00+01:00"', False),
    ('meta.created ne "2024-01-02T00:00:00Z"', True),
    ('meta.created gt "2023-12-31T23:59:59Z"', True),
    # Chronological, not textual: 00:30+01:00 is 23:30Z the day before.
    ('meta.created gt "2024-01-01T00:30:00+01:00"', True),
    ('meta.created gt "2024-01-01T00:00:00Z"', False),
    ('meta.created ge "2024-01-01T00:00:00Z"', True),
    ('meta.lastModified lt "2024-06-01T10:30:00Z"', True),
    ('meta.lastModified lt "2024-06-01T10:00:00Z"', False),
    ('meta.lastModified le "2024-06-01T10:00:00Z"', True),
    ('meta.lastModified ge "2024-06-01T12:00:00+02:00"', True),
    ('meta.lastModified gt "2024-06-01T11:00:00+02:00"', True),
    ('meta.lastModified gt "2024-06-01T11:00:00Z"', False),
    ("meta.lastModified gt 2024-01-01T00:00:00Z", True),
    ('meta.created sw "2024-01"', True),
    ('meta.created co "T00:00"', True),
    ('meta.created ew "Z"', True),
    ('meta.created ew "+00:00"', False),
    ("meta.created pr", True),
)
def test_datetime(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """dateTimes compare chronologically with time zones normalised; co/sw/ew compare the stored text."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ('seen eq "2024-03-10T07:00:00Z"', True),
    ('seen eq "2024-03-10t07:00:00z"', True),
    ('seen lt "2024-03-10T07:00:01Z"', True),
    ('seen gt "2024-03-10T08:00:00+02:00"', True),
)
def test_custom_datetime(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """A custom dateTime (not caseExact) compares as an instant too."""
    assert matches(text, device, DEVICE) is expected


@cases(
    ('profileUrl eq "https://login.example.com/bjensen"', True),
    ('profileUrl eq "HTTPS://LOGIN.EXAMPLE.COM/BJENSEN"', False),
    ('profileUrl ne "https://login.example.com/other"', True),
    ('profileUrl sw "https://login."', True),
    ('profileUrl co "example.com"', True),
    ('profileUrl ew "/bjensen"', True),
    ('profileUrl gt "https://a"', True),
    ('profileUrl lt "https://a"', False),
    ("profileUrl pr", True),
    ('photos.value sw "https://photos.example.com/"', True),
    ('photos.value ew "/f"', False),
    ('groups.$ref ew "/Groups/g1"', True),
    ('groups[$ref eq "https://example.com/v2/Groups/g1"]', True),
)
def test_reference(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """References compare as strings, following the schema's caseExact (true for the core URLs)."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ('home eq "https://example.com/devices/1"', True),
    ('home sw "HTTPS://EXAMPLE.COM"', True),
)
def test_reference_not_case_exact(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """A reference declared caseExact=false compares without case."""
    assert matches(text, device, DEVICE) is expected


@cases(
    ('x509Certificates.value eq "MIIDQzCCAqygAwIBAgICEAAwDQYJ"', True),
    ('x509Certificates.value eq "miidqzccaqygawibagiceaawdqyj"', False),
    ('x509Certificates.value ne "AAAA"', True),
    ('x509Certificates.value sw "MIID"', True),
    ('x509Certificates.value sw "miid"', False),
    ('x509Certificates.value co "CCAqyg"', True),
    ('x509Certificates.value ew "DQYJ"', True),
    ("x509Certificates.value pr", True),
    ('x509Certificates eq "MIIDQzCCAqygAwIBAgICEAAwDQYJ"', True),
)
def test_binary(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """Binary values compare exactly (base64 is case-significant); eq/ne/co/sw/ew/pr are allowed."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ('blob eq "AAEC"', True),
    ('blob eq "aaec"', False),
)
def test_custom_binary_is_case_exact(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """A binary attribute compares exactly even when its schema leaves caseExact false."""
    assert matches(text, device, DEVICE) is expected


# -- multi-valued attributes, ne, pr and null ---------------------------------------------------------------


@cases(
    ('emails.value eq "b@home.example"', True),
    ('emails.value eq "BJENSEN@CORP.LOCAL"', True),
    ('emails.value eq "nobody@x"', False),
    ('emails co "@corp"', True),
    ('emails sw "b@"', True),
    ('emails.type eq "work"', True),
    ('emails.type eq "other"', False),
    ('emails.value gt "c"', False),
    ('emails.value lt "b@i"', True),
)
def test_multi_valued_matches_if_any_value_does(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """A multi-valued attribute matches when any one of its values matches."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ('tags eq "red"', True),
    ('tags eq "BLUE"', True),
    ('tags co "lu"', True),
    ('tags eq "green"', False),
    ('tags ne "red"', False),
    ('tags ne "green"', True),
    ("tags pr", True),
)
def test_multi_valued_simple_attribute(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """A multi-valued simple attribute matches when any value matches; ``ne`` when none equals."""
    assert matches(text, device, DEVICE) is expected


@cases(
    ('emails.type ne "work"', False),
    ('emails.type ne "other"', True),
    ('emails[type ne "work"]', True),
    ('not (emails.type eq "work")', False),
    ('locale ne "fr"', True),
    ('manager.displayName ne "x"', True),
)
def test_ne_is_the_negation_of_eq(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """``ne`` matches when no value equals (so it matches an absent attribute); inside ``[...]`` it is per value."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ("title eq null", False),
    ("locale eq null", True),
    ("title ne null", True),
    ("locale ne null", False),
    ("nickName eq null", True),
    ("emails eq null", False),
    ("ims eq null", True),
    ("manager eq null", False),
    ("manager ne null", True),
)
def test_null(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """``eq null`` matches an absent (or empty) attribute and ``ne null`` a present one."""
    assert matches(text, user, BJENSEN) is expected


@pytest.mark.parametrize(
    ("text", "doc", "expected"),
    [
        ("emails pr", {"emails": []}, False),
        ("emails pr", {}, False),
        ("emails pr", {"emails": [{}]}, False),
        ("emails pr", {"emails": [{"type": "work"}]}, True),
        ("emails pr", {"emails": [{"value": "a@b"}]}, True),
        ("emails.value pr", {"emails": [{"type": "work"}]}, False),
        ("emails.value pr", {"emails": [{"type": "work"}, {"value": "a@b"}]}, True),
        ("emails.value pr", {"emails": [{"value": ""}]}, False),
        ("name pr", {"name": {}}, False),
        ("name pr", {"name": {"givenName": "B"}}, True),
        ("name.familyName pr", {"name": {"givenName": "B"}}, False),
        ("title pr", {"title": ""}, False),
        ("title pr", {"title": "x"}, True),
        ("manager pr", {ENTERPRISE_USER: {"manager": {"displayName": "Boss"}}}, True),
        ("manager pr", {ENTERPRISE_USER: {"manager": {}}}, False),
        ("manager pr", {ENTERPRISE_USER: {}}, False),
        ("manager pr", {}, False),
        ("manager.value pr", {ENTERPRISE_USER: {"manager": {"displayName": "Boss"}}}, False),
        ("manager eq null", {ENTERPRISE_USER: {"manager": {"displayName": "Boss"}}}, False),
        ("manager eq null", {}, True),
        ("emails eq null", {"emails": []}, True),
        ("emails[type pr]", {"emails": [{"type": ""}]}, False),
        ("emails[type pr]", {"emails": [{"type": "home"}]}, True),
        ("active pr", {"active": False}, True),
    ],
)
def test_pr(user: ResourceTypeDef, text: str, doc: dict[str, Any], expected: bool) -> None:
    """``pr`` needs a non-empty value: not "", not [], and for a complex attribute a non-empty node."""
    assert matches(text, user, doc) is expected


# -- sub-attributes, value paths, Entra forms, extensions, meta -------------------------------------------


@cases(
    ('name.familyName eq "jensen"', True),
    ('name.givenName sw "Bar"', True),
    ("name.middleName pr", False),
    ('NAME.FAMILYNAME eq "JENSEN"', True),
)
def test_sub_attributes(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """``attr.sub`` reaches into a single complex attribute."""
    assert matches(text, user, BJENSEN) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('emails[type eq "work" and value co "@corp"]', False),
        ('emails.type eq "work" and emails.value co "@corp"', True),
        ('emails[type eq "home" and value co "@corp"]', True),
        ('emails[type eq "work" or value co "@corp"]', True),
        ('emails[not (type eq "work")]', True),
        ('emails[type eq "work"].value eq "w@home.example"', True),
        ('emails[type eq "work"].value eq "b@corp.local"', False),
        ('emails[type eq "home"].value eq "B@CORP.LOCAL"', True),
        ('emails[type eq "WORK"]', True),
        ('EMAILS[TYPE eq "work"]', True),
        ('emails[type eq "fax"]', False),
    ],
)
def test_value_paths_apply_to_one_value(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """``attr[filter]`` matches only when a single value satisfies the whole filter; ``attr.sub`` terms need not."""
    doc = {
        "emails": [
            {"value": "w@home.example", "type": "work"},
            {"value": "b@corp.local", "type": "home"},
        ]
    }
    assert matches(text, user, doc) is expected


@cases(
    ('emails[type eq "work"].value eq "bjensen@corp.local"', True),
    ('emails[type eq "work"].value eq "b@home.example"', False),
    ('emails[type eq "work" and value co "@corp"]', True),
    ('emails[type eq "work"] and userName eq "bjensen@example.com"', True),
)
def test_entra_email_matching_filter(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """Entra's ``emails[type eq "work"].value eq "x"`` matches the work e-mail only."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    (f'{ENTERPRISE_USER}:manager.value eq "m1-Id"', True),
    (f'{ENTERPRISE_USER}:manager eq "m1-Id"', True),
    ('manager eq "m1-Id"', True),
    ('manager.value eq "m1-Id"', True),
    ('manager eq "M1-ID"', False),
    ('manager.displayName eq "john smith"', True),
    (f'{ENTERPRISE_USER}:employeeNumber eq "701984"', True),
    (f'{ENTERPRISE_USER.upper()}:EMPLOYEENUMBER eq "701984"', True),
    ('department eq "tour operations"', True),
    ('id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "m1-Id"', True),
    ('id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "m2"', False),
    ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com"', True),
    ('urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "Jensen"', True),
)
def test_extensions_and_urn_qualified_names(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """URN-qualified and short extension names read the extension object; ``manager eq "id"`` reads manager.value."""
    assert matches(text, user, BJENSEN) is expected


@pytest.mark.parametrize(
    "doc",
    [{}, {ENTERPRISE_USER: {}}, {ENTERPRISE_USER: None}, {ENTERPRISE_USER: "junk"}, {"manager": {"value": "m1"}}],
)
def test_extension_attribute_lives_only_under_its_urn(user: ResourceTypeDef, doc: dict[str, Any]) -> None:
    """Without an extension object, extension terms do not match (a top-level ``manager`` key is not it)."""
    assert not matches('manager eq "m1"', user, doc)
    assert matches("manager eq null", user, doc)


@cases(
    ('meta.resourceType eq "User"', True),
    ('meta.resourceType eq "user"', False),
    ('meta.version eq "W/\\"3\\""', True),
)
def test_meta_sub_attributes(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """meta sub-attributes are caseExact strings."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ('members[value eq "u1"]', True),
    ('members.value eq "u2"', True),
    ('members.value eq "U2"', False),
    ('members[value eq "u3"]', False),
    ('displayName eq "TOUR GUIDES"', True),
    ("members pr", True),
)
def test_group(group: ResourceTypeDef, text: str, expected: bool) -> None:
    """Group filters: case-insensitive displayName, caseExact member ids."""
    doc = {"displayName": "Tour Guides", "members": [{"value": "u1"}, {"value": "u2", "display": "B"}]}
    assert matches(text, group, doc) is expected


# -- precedence, not, case-insensitivity --------------------------------------------------------------------

A_TRUE = 'userName eq "bjensen@example.com"'
B_TRUE = "title pr"
C_FALSE = "locale pr"


@cases(
    (f"{A_TRUE} or {B_TRUE} and {C_FALSE}", True),
    (f"{A_TRUE} or ({B_TRUE} and {C_FALSE})", True),
    (f"({A_TRUE} or {B_TRUE}) and {C_FALSE}", False),
    (f"{C_FALSE} and {A_TRUE} or {B_TRUE}", True),
    (f"{C_FALSE} and ({A_TRUE} or {B_TRUE})", False),
    (f"not ({A_TRUE}) or {B_TRUE} and {C_FALSE}", False),
    (f"not ({A_TRUE} or {B_TRUE} and {C_FALSE})", False),
    (f"not ({A_TRUE}) or not ({C_FALSE})", True),
    (f"not (not ({C_FALSE}))", False),
    (f"{A_TRUE} AND {B_TRUE} OR {C_FALSE}", True),
    (f"{C_FALSE} OR {A_TRUE} AND NOT ({B_TRUE})", False),
)
def test_precedence_in_evaluation(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """``a or b and c`` evaluates as ``a or (b and c)``; parentheses and ``not`` group as written."""
    assert matches(text, user, BJENSEN) is expected


@cases(
    ('USERNAME Eq "BJENSEN@EXAMPLE.COM"', True),
    ('userName EQ "bjensen@example.com" AND Active eq TRUE', True),
    ('DisplayName eq "babs \\"b\\" jensen"', True),
)
def test_case_insensitive_names_operators_and_values(user: ResourceTypeDef, text: str, expected: bool) -> None:
    """Entra and Okta filter userName/displayName in another case and expect the hit."""
    assert matches(text, user, BJENSEN) is expected


# -- values: bare words and escapes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "doc", "expected"),
    [
        ("externalId eq jyoung", {"externalId": "jyoung"}, True),
        ("externalId eq jyoung@corp.com", {"externalId": "jyoung@corp.com"}, True),
        ("externalId eq AbC-123", {"externalId": "AbC-123"}, True),
        ("externalId eq 00123", {"externalId": "00123"}, True),
        ("externalId eq 123", {"externalId": "123"}, True),
        ("externalId eq 1e3", {"externalId": "1e3"}, True),
        (r'userName eq "jos\u00e9"', {"userName": "josé"}, True),
        (r'userName eq "JOS\u00c9"', {"userName": "josé"}, True),
        (r'userName eq "a\"b"', {"userName": 'a"b'}, True),
        (r'userName eq "a\\b"', {"userName": "a\\b"}, True),
        ('userName eq "a b"', {"userName": "a  b"}, False),
    ],
)
def test_values_compare_as_read(user: ResourceTypeDef, text: str, doc: dict[str, Any], expected: bool) -> None:
    """Bare words and JSON-escaped strings compare with the text they denote."""
    assert matches(text, user, doc) is expected


# -- robustness -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "doc"),
    [
        ("ports gt 3", {"ports": "many"}),
        ("ports eq 4", {"ports": True}),
        ("weight lt 2", {"weight": None}),
        ('seen gt "2024-01-01T00:00:00Z"', {"seen": "not a date"}),
        ('seen gt "2024-01-01T00:00:00Z"', {"seen": 17}),
        ('serial eq "x"', {"serial": 17}),
        ('serial co "x"', {"serial": ["a", None, 3]}),
        ("enabled eq true", {"enabled": "yes"}),
        ('tags eq "x"', {"tags": [None, {"a": 1}, 3]}),
    ],
)
def test_unexpected_stored_shapes_do_not_match_or_raise(
    device: ResourceTypeDef, text: str, doc: dict[str, Any]
) -> None:
    """A stored value of the wrong type simply does not match; evaluation never raises."""
    assert matches(text, device, doc) is False


@pytest.mark.parametrize(
    "doc",
    [
        {"emails": "x@y"},
        {"emails": ["x@y", None]},
        {"emails": {"value": "x@y", "type": "work"}},
        {"emails": [{"value": 3, "type": "work"}]},
        {"name": "Barbara"},
        {"meta": None},
    ],
)
def test_malformed_complex_values_do_not_raise(user: ResourceTypeDef, doc: dict[str, Any]) -> None:
    """Complex and multi-valued attributes in unexpected shapes are tolerated."""
    for text in ('emails[type eq "work"]', 'emails.value co "@"', 'name.givenName eq "B"', "meta.created pr"):
        assert matches(text, user, doc) in (True, False)


def test_predicate_is_reusable(user: ResourceTypeDef) -> None:
    """A compiled predicate is a plain function reused across many documents."""
    predicate = compile_predicate(parse_filter('userName sw "u1"', user))
    docs = [{"userName": f"U{i}"} for i in range(200)]
    assert sum(predicate(doc) for doc in docs) == 111  # U1, U10-U19, U100-U199


# -- item predicates (PATCH value filters) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "item", "expected"),
    [
        ('type eq "work"', {"type": "Work", "value": "a"}, True),
        ('type eq "work"', {"type": "home"}, False),
        ('primary eq "True"', {"primary": True}, True),
        ('value co "@corp" and not (type eq "home")', {"value": "a@corp", "type": "work"}, True),
        ("display pr", {"value": "a"}, False),
        ('type ne "work"', {}, True),
    ],
)
def test_item_predicate(user: ResourceTypeDef, text: str, item: dict[str, Any], expected: bool) -> None:
    """A PATCH valFilter compiles to a predicate over one value of the attribute."""
    emails = user.attr("emails")
    assert emails is not None
    predicate = compile_item_predicate(parse_value_filter(text, user, None, emails))
    assert predicate(item) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weight gt 1", False),
        ("weight lt 1", False),
        ("weight eq 1", False),
        ("weight ne 1", True),
        ("weight pr", True),
    ],
)
def test_stored_nan_matches_no_comparison(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """A stored NaN (Python's json accepts it) equals and orders against nothing, and never raises."""
    assert matches(text, device, {"weight": float("nan")}) is expected


@pytest.mark.parametrize(("text", "expected"), [("weight gt 1e300", True), ("weight lt 0", False)])
def test_stored_infinity_orders(device: ResourceTypeDef, text: str, expected: bool) -> None:
    """A stored infinity orders above every finite number."""
    assert matches(text, device, {"weight": float("inf")}) is expected
