"""The PATCH engine (RFC 7644 §3.5.2) driven directly through ``apply_patch`` and ``parse_patch_path``."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimcore.errors import InvalidPath, InvalidSyntax, InvalidValue, Mutability, NoTarget, ScimError
from scimcore.patch import apply_patch, parse_patch_path
from scimcore.schema.registry import ENTERPRISE_USER, SchemaRegistry

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
BADGE = "urn:example:params:scim:schemas:extension:badge:2.0:User"

REGISTRY = SchemaRegistry.default()
USER = REGISTRY.resource_type("User")
GROUP = REGISTRY.resource_type("Group")


def _badge_user_type() -> Any:
    registry = SchemaRegistry.default()
    registry.register_schema(
        {
            "id": BADGE,
            "name": "Badge",
            "description": "A custom extension with an immutable attribute.",
            "attributes": [
                {
                    "name": "badgeId",
                    "type": "string",
                    "multiValued": False,
                    "required": False,
                    "caseExact": True,
                    "mutability": "immutable",
                    "returned": "default",
                    "uniqueness": "none",
                }
            ],
        }
    )
    return registry.add_extension("User", BADGE)


BADGE_USER = _badge_user_type()


def body(*ops: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(ops)}


def patch(doc: dict[str, Any], *ops: dict[str, Any], rtype: Any = USER) -> dict[str, Any]:
    return apply_patch(rtype, doc, body(*ops))


def user(**attrs: Any) -> dict[str, Any]:
    return {"id": "u1", "userName": "bjensen", **attrs}


def group(*member_ids: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "g1", "displayName": "Admins"}
    if member_ids:
        doc["members"] = [{"value": m, "type": "User"} for m in member_ids]
    return doc


EMAILS = [
    {"value": "work@example.com", "type": "work", "primary": True},
    {"value": "home@example.com", "type": "home"},
    {"value": "other@example.com", "type": "other"},
]


# -- op names ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["add", "Add", "ADD", "replace", "Replace", "REPLACE", "rEpLaCe"])
def test_add_and_replace_are_accepted_in_any_case(op: str) -> None:
    """'add' and 'replace' are recognised whatever their letter case."""
    assert patch(user(), {"op": op, "path": "displayName", "value": "Babs"})["displayName"] == "Babs"


@pytest.mark.parametrize("op", ["remove", "Remove", "REMOVE"])
def test_remove_is_accepted_in_any_case(op: str) -> None:
    """'remove' is recognised whatever its letter case."""
    assert "displayName" not in patch(user(displayName="Babs"), {"op": op, "path": "displayName"})


# -- simple attributes -------------------------------------------------------------------------------------
def test_add_sets_a_single_valued_attribute() -> None:
    """add on an unassigned single-valued attribute sets it."""
    assert patch(user(), {"op": "add", "path": "nickName", "value": "Babs"}) == user(nickName="Babs")


def test_add_replaces_a_single_valued_attribute_that_has_a_value() -> None:
    """add on a single-valued attribute with a value replaces it (RFC 7644 §3.5.2.1)."""
    assert patch(user(nickName="Old"), {"op": "add", "path": "nickName", "value": "New"})["nickName"] == "New"


def test_replace_overwrites_a_single_valued_attribute() -> None:
    """replace overwrites a single-valued attribute."""
    assert patch(user(title="Dev"), {"op": "replace", "path": "title", "value": "Lead"})["title"] == "Lead"


def test_replace_of_an_unassigned_attribute_adds_it() -> None:
    """replace on an attribute that does not exist yet acts as add (RFC 7644 §3.5.2.3)."""
    assert patch(user(), {"op": "replace", "path": "title", "value": "Lead"})["title"] == "Lead"


def test_replace_with_null_unassigns_the_attribute() -> None:
    """replace with a null value leaves the attribute unassigned."""
    assert "title" not in patch(user(title="Dev"), {"op": "replace", "path": "title", "value": None})


def test_remove_unassigns_an_attribute() -> None:
    """remove with an attribute path deletes the attribute."""
    assert patch(user(title="Dev"), {"op": "remove", "path": "title"}) == user()


def test_remove_of_an_unassigned_attribute_is_a_no_op() -> None:
    """remove of an attribute that has no value leaves the document as it was."""
    assert patch(user(), {"op": "remove", "path": "title"}) == user()


def test_attribute_names_in_paths_are_case_insensitive() -> None:
    """A path in another case is stored under the schema's spelling (RFC 7643 §2.1)."""
    assert patch(user(), {"op": "add", "path": "DISPLAYNAME", "value": "Babs"}) == user(displayName="Babs")


@pytest.mark.parametrize(("given", "stored"), [("False", False), ("True", True), ("false", False), (False, False)])
def test_string_booleans_are_stored_as_booleans(given: Any, stored: bool) -> None:
    """The strings "True"/"False" for a boolean attribute are stored as JSON booleans (Entra without the flag)."""
    assert patch(user(), {"op": "replace", "path": "active", "value": given})["active"] is stored


@pytest.mark.parametrize(
    ("path", "value"),
    [("active", "maybe"), ("active", 1), ("displayName", {"a": 1}), ("name", "Babs"), ("emails", [42])],
)
def test_a_value_of_the_wrong_type_is_invalid_value(path: str, value: Any) -> None:
    """A value that does not fit the attribute's type is refused with invalidValue naming the attribute."""
    with pytest.raises(InvalidValue) as caught:
        patch(user(), {"op": "replace", "path": path, "value": value})
    assert path in caught.value.detail


# -- sub-attributes ----------------------------------------------------------------------------------------
def test_add_sub_attribute_creates_the_complex_attribute() -> None:
    """add name.givenName on a user without name creates name with that sub-attribute."""
    assert patch(user(), {"op": "add", "path": "name.givenName", "value": "Barbara"})["name"] == {
        "givenName": "Barbara"
    }


def test_replace_sub_attribute_keeps_the_other_sub_attributes() -> None:
    """replace name.familyName changes only familyName."""
    doc = user(name={"givenName": "Barbara", "familyName": "Jensen"})
    result = patch(doc, {"op": "replace", "path": "name.familyName", "value": "Smith"})
    assert result["name"] == {"givenName": "Barbara", "familyName": "Smith"}


def test_remove_sub_attribute_keeps_the_others() -> None:
    """remove name.givenName deletes only that sub-attribute."""
    doc = user(name={"givenName": "Barbara", "familyName": "Jensen"})
    assert patch(doc, {"op": "remove", "path": "name.givenName"})["name"] == {"familyName": "Jensen"}


def test_removing_the_last_sub_attribute_unassigns_the_complex_attribute() -> None:
    """A complex attribute left without sub-attributes is removed, not kept as {}."""
    assert "name" not in patch(user(name={"givenName": "Barbara"}), {"op": "remove", "path": "name.givenName"})


def test_add_of_a_complex_value_merges_sub_attributes() -> None:
    """add of a complex value leaves sub-attributes it does not mention unchanged (RFC 7644 §3.5.2.1)."""
    doc = user(name={"givenName": "Barbara", "familyName": "Jensen"})
    result = patch(doc, {"op": "add", "path": "name", "value": {"givenName": "Babs"}})
    assert result["name"] == {"givenName": "Babs", "familyName": "Jensen"}


def test_sub_attribute_names_are_canonicalised() -> None:
    """Sub-attribute names in another case are stored under the schema's spelling."""
    assert patch(user(), {"op": "add", "path": "NAME.GIVENNAME", "value": "B"})["name"] == {"givenName": "B"}


def test_unknown_sub_attributes_inside_a_complex_value_are_dropped() -> None:
    """Sub-attributes the schema does not define are dropped from a complex value."""
    result = patch(user(), {"op": "add", "path": "name", "value": {"givenName": "B", "nickname": "x"}})
    assert result["name"] == {"givenName": "B"}


# -- multi-valued attributes -------------------------------------------------------------------------------
def test_add_appends_to_a_multi_valued_attribute() -> None:
    """add on a multi-valued attribute appends the new values."""
    doc = user(emails=[{"value": "a@example.com", "type": "work"}])
    result = patch(doc, {"op": "add", "path": "emails", "value": [{"value": "b@example.com", "type": "home"}]})
    assert [e["value"] for e in result["emails"]] == ["a@example.com", "b@example.com"]


def test_add_does_not_duplicate_a_value_already_present() -> None:
    """add of a value that is already there leaves one copy."""
    doc = user(emails=[{"value": "a@example.com", "type": "work"}])
    result = patch(doc, {"op": "add", "path": "emails", "value": [{"value": "a@example.com", "type": "work"}]})
    assert result["emails"] == [{"value": "a@example.com", "type": "work"}]


def test_add_does_not_duplicate_a_value_given_in_another_case() -> None:
    """Values of a caseExact=false sub-attribute are the same whatever their case."""
    doc = user(emails=[{"value": "a@example.com", "type": "work"}])
    result = patch(doc, {"op": "add", "path": "emails", "value": [{"value": "A@Example.com", "type": "work"}]})
    assert len(result["emails"]) == 1


def test_add_of_the_same_value_twice_in_one_list_keeps_one() -> None:
    """A value listed twice in one add is stored once."""
    value = {"value": "a@example.com", "type": "work"}
    assert patch(user(), {"op": "add", "path": "emails", "value": [value, value]})["emails"] == [value]


def test_add_accepts_a_single_value_where_a_list_belongs() -> None:
    """A single object given for a multi-valued attribute is read as a one-element list."""
    result = patch(user(), {"op": "add", "path": "emails", "value": {"value": "a@example.com"}})
    assert result["emails"] == [{"value": "a@example.com"}]


def test_replace_without_filter_replaces_every_value() -> None:
    """replace on a multi-valued attribute without a filter sets the whole list (RFC 7644 §3.5.2.3)."""
    result = patch(user(emails=EMAILS), {"op": "replace", "path": "emails", "value": [{"value": "n@example.com"}]})
    assert result["emails"] == [{"value": "n@example.com"}]


def test_remove_without_filter_removes_every_value() -> None:
    """remove on a multi-valued attribute without a filter unassigns it."""
    assert "emails" not in patch(user(emails=EMAILS), {"op": "remove", "path": "emails"})


def test_remove_with_a_value_removes_only_the_listed_values() -> None:
    """remove with a value list removes only those values (Entra without aadOptscim062020)."""
    result = patch(group("a", "b", "c"), {"op": "remove", "path": "members", "value": [{"value": "b"}]}, rtype=GROUP)
    assert [m["value"] for m in result["members"]] == ["a", "c"]


def test_remove_with_a_value_of_every_member_unassigns_the_attribute() -> None:
    """Removing every listed value leaves the attribute unassigned, not an empty list."""
    ops = {"op": "remove", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}
    assert "members" not in patch(group("a", "b"), ops, rtype=GROUP)


def test_member_given_as_a_plain_string_is_a_value() -> None:
    """A plain string where a member object belongs is read as {"value": string}."""
    result = patch(group(), {"op": "add", "path": "members", "value": "u7"}, rtype=GROUP)
    assert result["members"] == [{"value": "u7"}]


# -- value filters -----------------------------------------------------------------------------------------
def test_replace_sub_attribute_through_a_filter_changes_only_matching_values() -> None:
    """replace emails[type eq "home"].value changes only the home e-mail."""
    result = patch(user(emails=EMAILS), {"op": "replace", "path": 'emails[type eq "home"].value', "value": "h@x.org"})
    assert [e["value"] for e in result["emails"]] == ["work@example.com", "h@x.org", "other@example.com"]


def test_replace_a_whole_value_through_a_filter() -> None:
    """replace emails[type eq "other"] replaces that value with the given object."""
    op = {"op": "replace", "path": 'emails[type eq "other"]', "value": {"value": "n@example.com", "type": "other"}}
    result = patch(user(emails=EMAILS), op)
    assert result["emails"][2] == {"value": "n@example.com", "type": "other"}
    assert result["emails"][:2] == EMAILS[:2]


def test_remove_through_a_filter_removes_the_matching_values() -> None:
    """remove emails[type eq "home"] removes just the home e-mail."""
    result = patch(user(emails=EMAILS), {"op": "remove", "path": 'emails[type eq "home"]'})
    assert result["emails"] == [EMAILS[0], EMAILS[2]]


def test_remove_through_an_or_filter() -> None:
    """A compound 'or' filter removes every value matching either side."""
    result = patch(user(emails=EMAILS), {"op": "remove", "path": 'emails[type eq "work" or type eq "home"]'})
    assert result["emails"] == [EMAILS[2]]


def test_remove_through_an_and_filter() -> None:
    """A compound 'and' filter removes only values matching both sides."""
    path = 'emails[type eq "work" and value eq "home@example.com"]'
    assert patch(user(emails=EMAILS), {"op": "remove", "path": path})["emails"] == EMAILS
    path = 'emails[type eq "home" and value eq "home@example.com"]'
    assert patch(user(emails=EMAILS), {"op": "remove", "path": path})["emails"] == [EMAILS[0], EMAILS[2]]


def test_remove_through_a_not_filter() -> None:
    """A 'not' filter removes every value that does not match its operand."""
    result = patch(user(emails=EMAILS), {"op": "remove", "path": 'emails[not (type eq "work")]'})
    assert result["emails"] == [EMAILS[0]]


def test_remove_through_a_parenthesised_compound_filter() -> None:
    """'a and (b or c)' inside a value filter keeps its grouping."""
    path = 'emails[value ew "example.com" and (type eq "home" or type eq "other")]'
    assert patch(user(emails=EMAILS), {"op": "remove", "path": path})["emails"] == [EMAILS[0]]


def test_remove_a_sub_attribute_through_a_filter() -> None:
    """remove emails[type eq "work"].primary drops primary from the work e-mail only."""
    result = patch(user(emails=EMAILS), {"op": "remove", "path": 'emails[type eq "work"].primary'})
    assert result["emails"][0] == {"value": "work@example.com", "type": "work"}
    assert result["emails"][1:] == EMAILS[1:]


def test_removing_the_last_matching_value_unassigns_the_attribute() -> None:
    """A multi-valued attribute left with no values is unassigned (RFC 7644 §3.5.2.2)."""
    doc = user(emails=[{"value": "a@example.com", "type": "work"}])
    assert "emails" not in patch(doc, {"op": "remove", "path": 'emails[type eq "work"]'})


def test_remove_through_a_filter_that_matches_nothing_is_a_no_op() -> None:
    """remove with a filter that matches no value changes nothing."""
    assert patch(user(emails=EMAILS), {"op": "remove", "path": 'emails[type eq "fax"]'}) == user(emails=EMAILS)


def test_filter_comparison_follows_case_exact() -> None:
    """A filter on a caseExact=false sub-attribute matches in any case."""
    result = patch(user(emails=EMAILS), {"op": "remove", "path": 'emails[TYPE eq "HOME"]'})
    assert result["emails"] == [EMAILS[0], EMAILS[2]]


def test_member_removal_by_value_filter() -> None:
    """remove members[value eq "<id>"] removes that member (Entra with aadOptscim062020)."""
    result = patch(group("a", "b"), {"op": "remove", "path": 'members[value eq "a"]'}, rtype=GROUP)
    assert [m["value"] for m in result["members"]] == ["b"]


def test_filtered_add_on_a_missing_entry_creates_it() -> None:
    """add emails[type eq "work"].value on a user without e-mails creates the work e-mail."""
    result = patch(user(), {"op": "add", "path": 'emails[type eq "work"].value', "value": "w@example.com"})
    assert result["emails"] == [{"type": "work", "value": "w@example.com"}]


def test_filtered_replace_on_a_missing_entry_creates_it() -> None:
    """replace emails[type eq "work"].value creates the work e-mail beside the others (Entra)."""
    doc = user(emails=[{"value": "h@example.com", "type": "home"}])
    result = patch(doc, {"op": "replace", "path": 'emails[type eq "work"].value', "value": "w@example.com"})
    assert result["emails"] == [{"value": "h@example.com", "type": "home"}, {"type": "work", "value": "w@example.com"}]


@pytest.mark.parametrize(
    ("path", "value", "attr", "expected"),
    [
        ('phoneNumbers[type eq "mobile"].value', "555-0100", "phoneNumbers", {"type": "mobile", "value": "555-0100"}),
        ('addresses[type eq "work"].locality', "Redmond", "addresses", {"type": "work", "locality": "Redmond"}),
        ('addresses[type eq "work"].postalCode', "98052", "addresses", {"type": "work", "postalCode": "98052"}),
    ],
)
def test_filtered_paths_from_the_default_entra_mapping_create_entries(
    path: str, value: str, attr: str, expected: dict[str, Any]
) -> None:
    """Every filtered path of Entra's default mapping creates its entry when none matches."""
    assert patch(user(), {"op": "replace", "path": path, "value": value})[attr] == [expected]


def test_filtered_add_with_an_and_filter_creates_the_entry_with_both_terms() -> None:
    """An 'and' of 'eq' terms seeds the new value with every term."""
    path = 'emails[type eq "work" and primary eq true].value'
    result = patch(user(), {"op": "add", "path": path, "value": "w@example.com"})
    assert result["emails"] == [{"type": "work", "primary": True, "value": "w@example.com"}]


def test_filtered_replace_of_a_whole_missing_entry_creates_it() -> None:
    """replace emails[type eq "work"] with an object creates the value from the filter and the object."""
    result = patch(user(), {"op": "replace", "path": 'emails[type eq "work"]', "value": {"value": "w@example.com"}})
    assert result["emails"] == [{"type": "work", "value": "w@example.com"}]


def test_three_role_ops_build_one_role() -> None:
    """roles[primary eq "True"].display|value|type in three ops build ONE role with primary true (Entra)."""
    result = patch(
        user(),
        {"op": "add", "path": 'roles[primary eq "True"].display', "value": "Global Administrator"},
        {"op": "add", "path": 'roles[primary eq "True"].value', "value": "62e90394-69f5-4237-9190-012177145e10"},
        {"op": "add", "path": 'roles[primary eq "True"].type', "value": "WindowsAzureActiveDirectoryRole"},
    )
    assert result["roles"] == [
        {
            "primary": True,
            "display": "Global Administrator",
            "value": "62e90394-69f5-4237-9190-012177145e10",
            "type": "WindowsAzureActiveDirectoryRole",
        }
    ]


def test_filtered_replace_updates_the_entry_a_previous_op_created() -> None:
    """A second op through the same filter updates the value the first one created."""
    path = 'emails[type eq "work"].value'
    result = patch(
        user(),
        {"op": "replace", "path": path, "value": "first@example.com"},
        {"op": "replace", "path": path, "value": "second@example.com"},
    )
    assert result["emails"] == [{"type": "work", "value": "second@example.com"}]


@pytest.mark.parametrize(
    "path",
    ['emails[type eq "work" or type eq "home"].value', 'emails[type ne "work"].value', "emails[value pr].value"],
)
def test_filtered_replace_that_cannot_seed_a_new_entry_is_no_target(path: str) -> None:
    """A filter matching nothing that is not an 'and' of 'eq' terms is refused with noTarget (RFC 7644 §3.5.2.3)."""
    with pytest.raises(NoTarget) as caught:
        patch(user(), {"op": "replace", "path": path, "value": "x@example.com"})
    assert path in caught.value.detail


# -- primary ----------------------------------------------------------------------------------------------
def test_adding_a_primary_value_clears_primary_on_the_others() -> None:
    """Only one value may be primary: the one just added wins (RFC 7643 §2.4)."""
    new = {"value": "n@example.com", "type": "home", "primary": True}
    result = patch(user(emails=EMAILS), {"op": "add", "path": "emails", "value": [new]})
    assert [e.get("primary") for e in result["emails"]] == [False, None, None, True]


def test_setting_primary_through_a_filter_clears_the_others() -> None:
    """replace emails[type eq "home"].primary true makes home the only primary e-mail."""
    result = patch(user(emails=EMAILS), {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True})
    assert [e.get("primary") for e in result["emails"]] == [False, True, None]


def test_replacing_a_value_with_a_primary_one_clears_the_others() -> None:
    """A value replaced through a filter with primary true becomes the only primary."""
    op = {"op": "replace", "path": 'emails[type eq "other"]', "value": {"value": "o@x.org", "primary": "True"}}
    result = patch(user(emails=EMAILS), op)
    assert [e.get("primary") for e in result["emails"]] == [False, None, True]


def test_replacing_the_list_with_two_primaries_keeps_one() -> None:
    """A replaced list that names two primary values keeps only the last as primary."""
    values = [{"value": "a@x.org", "primary": True}, {"value": "b@x.org", "primary": True}]
    result = patch(user(), {"op": "replace", "path": "emails", "value": values})
    assert [e["primary"] for e in result["emails"]] == [False, True]


# -- URN-qualified paths and extensions --------------------------------------------------------------------
def test_urn_qualified_extension_attribute_is_stored_in_the_extension() -> None:
    """add urn:...:enterprise:2.0:User:employeeNumber nests the value under the extension URN."""
    result = patch(user(), {"op": "add", "path": f"{ENTERPRISE_USER}:employeeNumber", "value": "701984"})
    assert result[ENTERPRISE_USER] == {"employeeNumber": "701984"}
    assert f"{ENTERPRISE_USER}:employeeNumber" not in result


def test_urn_qualified_sub_attribute_path() -> None:
    """urn:...:enterprise:2.0:User:manager.value sets the manager's value."""
    result = patch(user(), {"op": "add", "path": f"{ENTERPRISE_USER}:manager.value", "value": "m1"})
    assert result[ENTERPRISE_USER] == {"manager": {"value": "m1"}}


def test_urn_is_matched_case_insensitively() -> None:
    """A schema URN in another case still names the extension."""
    result = patch(user(), {"op": "add", "path": f"{ENTERPRISE_USER.upper()}:department", "value": "Sales"})
    assert result[ENTERPRISE_USER] == {"department": "Sales"}


def test_core_urn_qualified_path_names_a_core_attribute() -> None:
    """urn:...:core:2.0:User:name.givenName is the core name.givenName."""
    result = patch(user(), {"op": "add", "path": f"{CORE_USER}:name.givenName", "value": "Barbara"})
    assert result == user(name={"givenName": "Barbara"})


def test_unqualified_extension_attribute_resolves_to_the_extension() -> None:
    """An attribute only an extension defines may be named without its URN."""
    result = patch(user(), {"op": "add", "path": "department", "value": "Sales"})
    assert result[ENTERPRISE_USER] == {"department": "Sales"}


def test_add_to_the_extension_root_merges_its_attributes() -> None:
    """add with the extension URN as path adds each attribute of the object value."""
    doc = user(**{ENTERPRISE_USER: {"costCenter": "4130"}})
    result = patch(doc, {"op": "add", "path": ENTERPRISE_USER, "value": {"department": "Sales"}})
    assert result[ENTERPRISE_USER] == {"costCenter": "4130", "department": "Sales"}


def test_remove_of_the_extension_root_removes_the_extension() -> None:
    """remove with the extension URN as path removes every extension attribute."""
    doc = user(**{ENTERPRISE_USER: {"department": "Sales"}})
    assert patch(doc, {"op": "remove", "path": ENTERPRISE_USER}) == user()


def test_remove_of_the_core_schema_root_is_no_target() -> None:
    """The core schema itself cannot be removed."""
    with pytest.raises(NoTarget):
        patch(user(), {"op": "remove", "path": CORE_USER})


def test_add_with_the_core_schema_root_as_path_adds_core_attributes() -> None:
    """add with the core URN as path treats the object value like a path-less value."""
    assert patch(user(), {"op": "add", "path": CORE_USER, "value": {"title": "Lead"}}) == user(title="Lead")


def test_removing_the_last_extension_attribute_removes_the_extension() -> None:
    """An extension left empty is removed rather than kept as {}."""
    doc = user(**{ENTERPRISE_USER: {"department": "Sales"}})
    assert patch(doc, {"op": "remove", "path": f"{ENTERPRISE_USER}:department"}) == user()


def test_a_non_object_value_for_an_extension_root_is_invalid_value() -> None:
    """add to an extension root needs an object value."""
    with pytest.raises(InvalidValue):
        patch(user(), {"op": "add", "path": ENTERPRISE_USER, "value": "Sales"})


# -- path-less values --------------------------------------------------------------------------------------
def test_pathless_dotted_keys_are_stored_nested() -> None:
    """Keys such as "name.givenName" in a path-less value are paths, never literal keys (Entra with the flag)."""
    doc = user(name={"givenName": "Barbara", "familyName": "Jensen"})
    result = patch(doc, {"op": "replace", "value": {"name.givenName": "Kkom", "name.familyName": "Unua"}})
    assert result["name"] == {"givenName": "Kkom", "familyName": "Unua"}
    assert not any("." in key for key in result)


def test_pathless_urn_keys_are_stored_in_the_extension() -> None:
    """A URN-qualified key in a path-less value lands inside the extension, never as a literal key."""
    result = patch(user(), {"op": "replace", "value": {f"{ENTERPRISE_USER}:employeeNumber": "Aklq"}})
    assert result == user(**{ENTERPRISE_USER: {"employeeNumber": "Aklq"}})


def test_pathless_extension_object_is_merged_into_the_extension() -> None:
    """A path-less value holding the extension URN with an object sets the extension's attributes."""
    doc = user(**{ENTERPRISE_USER: {"costCenter": "4130"}})
    result = patch(doc, {"op": "add", "value": {ENTERPRISE_USER: {"department": "Sales"}}})
    assert result[ENTERPRISE_USER] == {"costCenter": "4130", "department": "Sales"}


def test_pathless_core_urn_qualified_key_is_a_core_attribute() -> None:
    """A path-less key urn:...:core:2.0:User:displayName sets displayName."""
    assert patch(user(), {"op": "add", "value": {f"{CORE_USER}:displayName": "X"}}) == user(displayName="X")


def test_pathless_replace_of_several_attributes() -> None:
    """One path-less replace sets every attribute it names."""
    result = patch(user(), {"op": "replace", "value": {"userName": "babs", "displayName": "Babs", "active": "True"}})
    assert result == {"id": "u1", "userName": "babs", "displayName": "Babs", "active": True}


def test_pathless_add_appends_to_multi_valued_attributes() -> None:
    """A path-less add of a multi-valued attribute appends like an add with a path."""
    doc = user(emails=[{"value": "a@example.com"}])
    result = patch(doc, {"op": "add", "value": {"emails": [{"value": "b@example.com"}]}})
    assert [e["value"] for e in result["emails"]] == ["a@example.com", "b@example.com"]


def test_pathless_value_ignores_schemas_and_meta() -> None:
    """schemas and meta inside a path-less value are ignored, not refused."""
    value = {"schemas": [CORE_USER], "meta": {"resourceType": "User"}, "title": "Lead"}
    assert patch(user(), {"op": "replace", "value": value}) == user(title="Lead")


def test_pathless_value_with_the_resources_own_id_is_accepted() -> None:
    """The resource's own id inside a path-less value is ignored (Okta's group rename)."""
    result = patch(group(), {"op": "replace", "value": {"id": "g1", "displayName": "Ops"}}, rtype=GROUP)
    assert result == {"id": "g1", "displayName": "Ops"}


def test_pathless_value_with_another_id_is_mutability() -> None:
    """A different id inside a path-less value is refused: id is readOnly."""
    with pytest.raises(Mutability):
        patch(group(), {"op": "replace", "value": {"id": "other", "displayName": "Ops"}}, rtype=GROUP)


def test_pathless_undeclared_extension_key_is_ignored() -> None:
    """A key of an extension the resource type does not declare is ignored (Entra custom attributes)."""
    key = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute"
    assert patch(user(), {"op": "add", "value": {key: "x", "title": "Lead"}}) == user(title="Lead")


def test_pathless_unknown_attribute_is_invalid_path() -> None:
    """An unknown plain key in a path-less value is refused with invalidPath naming it."""
    with pytest.raises(InvalidPath) as caught:
        patch(user(), {"op": "add", "value": {"favouriteColour": "blue"}})
    assert "favouriteColour" in caught.value.detail


def test_pathless_value_must_be_an_object() -> None:
    """add or replace without path needs an object value."""
    with pytest.raises(InvalidValue):
        patch(user(), {"op": "replace", "value": "Babs"})


# -- manager (enterprise extension) -----------------------------------------------------------------------
MANAGER = f"{ENTERPRISE_USER}:manager"


def test_manager_given_as_a_bare_string_is_a_value() -> None:
    """A bare id as the manager is stored as {"value": id} (Entra)."""
    result = patch(user(), {"op": "Add", "path": MANAGER, "value": "m1"})
    assert result[ENTERPRISE_USER] == {"manager": {"value": "m1"}}


def test_manager_in_a_one_element_array_is_a_single_value() -> None:
    """The short path 'manager' with a one-element array stores one complex value (Entra)."""
    value = [{"$ref": "https://example.com/Users/m1", "value": "m1"}]
    result = patch(user(), {"op": "Add", "path": "manager", "value": value})
    assert result[ENTERPRISE_USER] == {"manager": {"$ref": "https://example.com/Users/m1", "value": "m1"}}


def test_manager_replaced_with_an_empty_value_is_removed() -> None:
    """replace manager with {"value": ""} removes the manager (Entra), even when it had a $ref."""
    doc = user(**{ENTERPRISE_USER: {"manager": {"value": "m1", "$ref": "https://example.com/Users/m1"}}})
    assert patch(doc, {"op": "replace", "path": MANAGER, "value": {"value": ""}}) == user()


def test_manager_replaced_with_an_empty_value_keeps_the_rest_of_the_extension() -> None:
    """Removing the manager by an empty value leaves the other enterprise attributes."""
    doc = user(**{ENTERPRISE_USER: {"manager": {"value": "m1"}, "department": "Sales"}})
    result = patch(doc, {"op": "replace", "path": MANAGER, "value": {"value": ""}})
    assert result[ENTERPRISE_USER] == {"department": "Sales"}


def test_manager_value_replaced_with_empty_string_is_removed() -> None:
    """replace manager.value with "" removes the manager."""
    doc = user(**{ENTERPRISE_USER: {"manager": {"value": "m1"}}})
    assert patch(doc, {"op": "replace", "path": f"{MANAGER}.value", "value": ""}) == user()


def test_manager_removed_by_remove() -> None:
    """remove urn:...:manager removes the manager."""
    doc = user(**{ENTERPRISE_USER: {"manager": {"value": "m1"}}})
    assert patch(doc, {"op": "remove", "path": MANAGER}) == user()


def test_changing_the_manager_drops_the_old_managers_ref() -> None:
    """A new manager id without $ref does not keep the previous manager's $ref."""
    doc = user(**{ENTERPRISE_USER: {"manager": {"value": "m1", "$ref": "https://example.com/Users/m1"}}})
    result = patch(doc, {"op": "replace", "path": MANAGER, "value": {"value": "m2"}})
    assert result[ENTERPRISE_USER] == {"manager": {"value": "m2"}}


def test_changing_the_manager_value_sub_attribute_drops_the_old_ref() -> None:
    """replace manager.value with a new id does not keep the previous manager's $ref."""
    doc = user(**{ENTERPRISE_USER: {"manager": {"value": "m1", "$ref": "https://example.com/Users/m1"}}})
    result = patch(doc, {"op": "replace", "path": f"{MANAGER}.value", "value": "m2"})
    assert result[ENTERPRISE_USER] == {"manager": {"value": "m2"}}


def test_manager_value_given_as_an_object_on_the_value_path() -> None:
    """replace manager.value with {"value": id} stores the id (Entra)."""
    result = patch(user(), {"op": "replace", "path": f"{MANAGER}.value", "value": {"value": "m1"}})
    assert result[ENTERPRISE_USER] == {"manager": {"value": "m1"}}


# -- mutability ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("id", "other"),
        ("meta", {"created": "2020-01-01T00:00:00Z"}),
        ("meta.created", "2020-01-01T00:00:00Z"),
        ("groups", [{"value": "g1"}]),
        (f"{MANAGER}.displayName", "Boss"),
    ],
)
@pytest.mark.parametrize("op", ["add", "replace", "remove"])
def test_read_only_attributes_cannot_be_patched(op: str, path: str, value: Any) -> None:
    """add, replace or remove of a readOnly attribute or sub-attribute is refused with mutability."""
    with pytest.raises(Mutability) as caught:
        patch(user(), {"op": op, "path": path, "value": value})
    assert caught.value.scim_type == "mutability"


def test_an_immutable_attribute_can_be_set_while_unassigned() -> None:
    """An immutable attribute without a value may be given one."""
    result = patch(user(), {"op": "add", "path": f"{BADGE}:badgeId", "value": "B-1"}, rtype=BADGE_USER)
    assert result[BADGE] == {"badgeId": "B-1"}


@pytest.mark.parametrize("op", ["add", "replace", "remove"])
def test_an_immutable_attribute_cannot_change_once_set(op: str) -> None:
    """An immutable attribute with a stored value cannot be replaced or removed (RFC 7643 §2.2)."""
    doc = user(**{BADGE: {"badgeId": "B-1"}})
    with pytest.raises(Mutability):
        patch(doc, {"op": op, "path": f"{BADGE}:badgeId", "value": "B-2"}, rtype=BADGE_USER)


# -- errors: targets, paths, syntax -----------------------------------------------------------------------
def test_remove_without_path_is_no_target() -> None:
    """remove needs a path (RFC 7644 §3.5.2.2): noTarget."""
    with pytest.raises(NoTarget) as caught:
        patch(user(), {"op": "remove"})
    assert caught.value.scim_type == "noTarget"


@pytest.mark.parametrize(
    "path",
    [
        "favouriteColour",
        "name.nickname",
        "name.givenName.first",
        'emails[type eq "work"',
        'emails[type eq "work"]x',
        'emails[type eq "work"].value.x',
        'emails[type eq "work"].bogus',
        'emails[bogus eq "work"]',
        "emails[]",
        "emails[type]",
        'emails[type eq "a"][x]',
        'emails.value[type eq "work"]',
        'name[givenName eq "B"]',
        'userName[value eq "B"]',
        "urn:ietf:params:scim:schemas:extension:unknown:2.0:User:thing",
        f"{ENTERPRISE_USER}:favouriteColour",
        "   ",
    ],
)
def test_bad_paths_are_invalid_path(path: str) -> None:
    """A malformed path or one naming no attribute is refused with invalidPath."""
    with pytest.raises(InvalidPath) as caught:
        patch(user(), {"op": "replace", "path": path, "value": "x"})
    assert caught.value.scim_type == "invalidPath"


def test_invalid_path_detail_names_the_path() -> None:
    """The invalidPath detail quotes the offending path."""
    with pytest.raises(InvalidPath) as caught:
        patch(user(), {"op": "add", "path": "name.nickname", "value": "x"})
    assert "name.nickname" in caught.value.detail


def test_a_non_string_path_is_invalid_path() -> None:
    """A path that is not a string is refused with invalidPath."""
    with pytest.raises(InvalidPath):
        patch(user(), {"op": "add", "path": ["displayName"], "value": "x"})


@pytest.mark.parametrize(
    "message",
    [
        {"schemas": [PATCH_OP], "Operations": [{"op": "update", "path": "title", "value": "x"}]},
        {"schemas": [PATCH_OP], "Operations": [{"op": "merge", "path": "title", "value": "x"}]},
        {"schemas": [PATCH_OP], "Operations": [{"path": "title", "value": "x"}]},
        {"schemas": [PATCH_OP], "Operations": [{"op": None, "path": "title"}]},
        {"schemas": [PATCH_OP], "Operations": ["add"]},
        {"schemas": [PATCH_OP]},
        {"schemas": [PATCH_OP], "Operations": []},
        {"schemas": [PATCH_OP], "Operations": {"op": "add", "path": "title", "value": "x"}},
        {"schemas": [CORE_USER], "Operations": [{"op": "add", "path": "title", "value": "x"}]},
        {"schemas": PATCH_OP, "Operations": [{"op": "add", "path": "title", "value": "x"}]},
        [{"op": "add", "path": "title", "value": "x"}],
        None,
    ],
    ids=[
        "op-update",
        "op-merge",
        "op-missing",
        "op-null",
        "operation-not-object",
        "operations-missing",
        "operations-empty",
        "operations-not-list",
        "schemas-without-patchop",
        "schemas-not-list",
        "body-is-list",
        "body-is-null",
    ],
)
def test_malformed_patch_messages_are_invalid_syntax(message: Any) -> None:
    """A body that is not a well-formed PatchOp message is refused with invalidSyntax."""
    with pytest.raises(InvalidSyntax) as caught:
        apply_patch(USER, user(), message)
    assert caught.value.scim_type == "invalidSyntax"


def test_invalid_op_detail_names_the_operation() -> None:
    """The invalidSyntax detail for a bad op says which operation and what it got."""
    with pytest.raises(InvalidSyntax) as caught:
        patch(user(), {"op": "add", "path": "title", "value": "x"}, {"op": "update", "path": "title"})
    assert "Operations[1]" in caught.value.detail
    assert "update" in caught.value.detail


# -- order and atomicity -----------------------------------------------------------------------------------
def test_operations_apply_in_order_add_then_remove() -> None:
    """Adding and then removing the same member in one request leaves it out."""
    result = patch(
        group("a"),
        {"op": "add", "path": "members", "value": [{"value": "b"}]},
        {"op": "remove", "path": 'members[value eq "b"]'},
        rtype=GROUP,
    )
    assert [m["value"] for m in result["members"]] == ["a"]


def test_operations_apply_in_order_remove_then_add() -> None:
    """Removing and then adding the same member in one request leaves it in."""
    result = patch(
        group("a"),
        {"op": "remove", "path": 'members[value eq "a"]'},
        {"op": "add", "path": "members", "value": [{"value": "a"}]},
        rtype=GROUP,
    )
    assert [m["value"] for m in result["members"]] == ["a"]


def test_several_ops_on_one_attribute_apply_in_order() -> None:
    """The last of several replaces of one attribute wins."""
    result = patch(
        user(),
        {"op": "replace", "path": "displayName", "value": "One"},
        {"op": "replace", "path": "displayName", "value": "Two"},
        {"op": "replace", "path": "displayName", "value": "Three"},
    )
    assert result["displayName"] == "Three"


def test_a_successful_patch_returns_a_new_document() -> None:
    """apply_patch never modifies the document it is given, even deep inside."""
    doc = user(name={"givenName": "Barbara"}, emails=copy.deepcopy(EMAILS))
    before = copy.deepcopy(doc)
    patch(
        doc,
        {"op": "replace", "path": "name.givenName", "value": "Babs"},
        {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True},
        {"op": "remove", "path": 'emails[type eq "other"]'},
    )
    assert doc == before


@pytest.mark.parametrize(
    "failing",
    [
        {"op": "add", "path": "favouriteColour", "value": "blue"},
        {"op": "replace", "path": "active", "value": "maybe"},
        {"op": "remove"},
        {"op": "replace", "path": "id", "value": "other"},
        {"op": "replace", "path": 'emails[type eq "fax" or type eq "pager"].value', "value": "x"},
    ],
    ids=["invalid-path", "invalid-value", "no-target-remove", "mutability", "no-target-filter"],
)
def test_a_failing_operation_leaves_the_input_untouched(failing: dict[str, Any]) -> None:
    """When a later operation fails nothing is applied: the input document is exactly as before."""
    doc = user(name={"givenName": "Barbara"}, emails=[{"value": "w@example.com", "type": "work"}])
    before = copy.deepcopy(doc)
    with pytest.raises(ScimError):
        patch(
            doc,
            {"op": "replace", "path": "name.givenName", "value": "Babs"},
            {"op": "add", "path": "emails", "value": [{"value": "h@example.com", "type": "home", "primary": True}]},
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
            {"op": "add", "path": f"{ENTERPRISE_USER}:department", "value": "Sales"},
            failing,
        )
    assert doc == before


@given(st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != ""))
def test_add_then_remove_restores_the_document(nick: str) -> None:
    """Adding an unassigned attribute and removing it again restores the document."""
    doc = user(name={"givenName": "Barbara"})
    assert patch(doc, {"op": "add", "path": "nickName", "value": nick}, {"op": "remove", "path": "nickName"}) == doc


@given(st.lists(st.uuids().map(str), min_size=1, max_size=5, unique=True))
def test_adding_then_removing_new_members_restores_the_group(ids: list[str]) -> None:
    """Adding members a group lacks and removing them by value restores the group."""
    doc = group("existing")
    added = patch(doc, {"op": "add", "path": "members", "value": [{"value": i} for i in ids]}, rtype=GROUP)
    removed = patch(added, {"op": "remove", "path": "members", "value": [{"value": i} for i in ids]}, rtype=GROUP)
    assert removed == doc


# -- parse_patch_path --------------------------------------------------------------------------------------
def test_parse_plain_attribute() -> None:
    """A plain name resolves to the core attribute with no extension, filter or sub-attribute."""
    path = parse_patch_path(USER, "userName")
    assert (path.extension, path.attr and path.attr.name, path.filter, path.sub) == (None, "userName", None, None)


def test_parse_sub_attribute() -> None:
    """attr.sub resolves both parts."""
    path = parse_patch_path(USER, "name.familyName")
    assert path.attr is not None and path.attr.name == "name"
    assert path.sub is not None and path.sub.name == "familyName"


def test_parse_value_filter_with_sub_attribute() -> None:
    """attr[filter].sub keeps the attribute, the filter and the sub-attribute."""
    path = parse_patch_path(USER, 'emails[type eq "work"].value')
    assert path.attr is not None and path.attr.name == "emails"
    assert path.filter is not None
    assert path.sub is not None and path.sub.name == "value"


def test_parse_urn_qualified_extension_attribute() -> None:
    """A URN-qualified path names the extension and its attribute."""
    path = parse_patch_path(USER, f"{ENTERPRISE_USER}:manager")
    assert path.extension == ENTERPRISE_USER
    assert path.attr is not None and path.attr.name == "manager"


def test_parse_short_extension_attribute() -> None:
    """'manager' without a URN resolves into the enterprise extension."""
    path = parse_patch_path(USER, "manager")
    assert path.extension == ENTERPRISE_USER
    assert path.attr is not None and path.attr.name == "manager"


def test_parse_extension_root() -> None:
    """The extension URN alone is a schema root: an extension and no attribute."""
    path = parse_patch_path(USER, ENTERPRISE_USER)
    assert (path.extension, path.attr) == (ENTERPRISE_USER, None)


def test_parse_core_root() -> None:
    """The core schema URN alone is the core root: no extension and no attribute."""
    path = parse_patch_path(USER, CORE_USER)
    assert (path.extension, path.attr) == (None, None)


def test_parse_canonicalises_names() -> None:
    """Names in any case resolve to the schema's spelling."""
    path = parse_patch_path(USER, 'PHONENUMBERS[TYPE eq "work"].VALUE')
    assert path.attr is not None and path.attr.name == "phoneNumbers"
    assert path.sub is not None and path.sub.name == "value"


def test_parse_keeps_the_text() -> None:
    """The parsed path remembers its (stripped) text for error messages."""
    assert parse_patch_path(USER, "  title ").text == "title"


def test_a_message_without_schemas_is_applied() -> None:
    """A PatchOp message that omits ``schemas`` is applied like one that lists the PatchOp URN."""
    result = apply_patch(USER, user(), {"Operations": [{"op": "replace", "path": "title", "value": "Lead"}]})
    assert result["title"] == "Lead"
