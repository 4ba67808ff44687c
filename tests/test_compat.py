"""The compatibility layer, one function at a time, fed the literal vendor payloads of ../shared/idp-traffic.md.

Where the facts sheet writes a placeholder (``<id>``, ``urn:...``) the test fills in Microsoft's or Okta's
example id and the full URN; everything else is the payload as the identity provider sends it.  The same
payloads go through the whole service in ``tests/idp``.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

from scimcore import compat
from scimcore.check.payloads.entra import TUTORIAL_CREATE_GROUP
from scimcore.patch import parse_patch_path
from scimcore.schema.registry import SchemaRegistry

USER = SchemaRegistry.default().find_resource_type("User")
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MANAGER_ID = "2819c223-7f76-453a-919d-413861904646"


def test_patch_schemas_omitted() -> None:
    """A PatchOp message sent with its operations alone reads as one listing the PatchOp URN."""
    message = {"Operations": [{"op": "replace", "path": "active", "value": False}]}
    assert compat.patch_schemas_omitted(message.get("schemas")) == ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]


def test_patch_schemas_listing_other_urns_are_kept_for_refusal() -> None:
    """A ``schemas`` member that is present is passed on as sent, for the PatchOp check to refuse."""
    sent = ["urn:ietf:params:scim:schemas:core:2.0:User"]
    assert compat.patch_schemas_omitted(sent) is sent


def test_op_sent_capitalised() -> None:
    """Entra's capitalised {"op": "Replace"} (without the flag) is the RFC's "replace"."""
    operation = {"op": "Replace", "path": "active", "value": "False"}
    assert compat.op_sent_capitalised(operation["op"]) == "replace"


def test_own_id_in_pathless_value() -> None:
    """Okta's group rename repeating the group's own id leaves only displayName."""
    operation = {"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "new"}}
    value = compat.own_id_in_pathless_value(operation["value"], "abf4dd94-a4c0-4f67-89c9-76b03340cb9b")
    assert value == {"displayName": "new"}


def test_pathless_value_keys_sent_as_paths() -> None:
    """Entra's path-less replace (with the flag) becomes the per-attribute replaces it sends without the flag."""
    operation = {
        "op": "replace",
        "value": {
            "displayName": "Bjfe",
            "name.givenName": "Kkom",
            "name.familyName": "Unua",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
        },
    }
    assert compat.pathless_value_keys_sent_as_paths(operation["op"], operation["value"]) == [
        {"op": "replace", "path": "displayName", "value": "Bjfe"},
        {"op": "replace", "path": "name.givenName", "value": "Kkom"},
        {"op": "replace", "path": "name.familyName", "value": "Unua"},
        {
            "op": "replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "value": "Aklq",
        },
    ]


def test_undeclared_extension_attribute_sent() -> None:
    """Entra's custom extension attribute key is recognised as one to ignore when undeclared."""
    key = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute"
    assert compat.undeclared_extension_attribute_sent(key) is True


def test_members_removed_by_value_list() -> None:
    """Entra's Remove of members with a value list (without the flag) removes only the listed member."""
    operation = {"op": "Remove", "path": "members", "value": [{"value": "u1091"}]}
    current = [{"value": "u1090"}, {"value": "u1091"}, {"value": "u1092"}]
    kept = compat.members_removed_by_value_list(current, operation["value"], lambda a, b: a["value"] == b["value"])
    assert kept == [{"value": "u1090"}, {"value": "u1092"}]


def test_missing_value_created_from_filter() -> None:
    """Entra's roles[primary eq "True"].display seeds a new role with primary true."""
    operation = {"op": "Add", "path": 'roles[primary eq "True"].display', "value": "Global Administrator"}
    path = parse_patch_path(USER, operation["path"])
    assert path.filter is not None
    assert compat.missing_value_created_from_filter(path.filter) == {"primary": True}


def test_value_object_sent_for_value_path() -> None:
    """{"value": id} sent to the manager.value path is read as the id (payload of tests/test_patch.py)."""
    operation = {"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": {"value": MANAGER_ID}}
    assert compat.value_object_sent_for_value_path(operation["value"]) == MANAGER_ID


def test_empty_value_removes_complex() -> None:
    """Entra's manager replace with {"value": ""} is no manager at all."""
    operation = {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": ""}}
    assert compat.empty_value_removes_complex(operation["value"]) is None


def test_manager_changed_by_value_alone() -> None:
    """A manager set with Entra's $ref array and changed by {"value": id} keeps no stale $ref."""
    first = {"op": "Add", "path": "manager", "value": [{"$ref": f".../Users/{MANAGER_ID}", "value": MANAGER_ID}]}
    second = {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "other-manager"}}
    assert compat.manager_changed_by_value_alone(first["value"][0], second["value"]) == {"value": MANAGER_ID}


def test_undeclared_schemas_listed() -> None:
    """Entra's group schemas with the ADSCIM URI keep only the core Group schema."""
    schemas = TUTORIAL_CREATE_GROUP["schemas"]
    assert compat.undeclared_schemas_listed(schemas, [GROUP_SCHEMA]) == [GROUP_SCHEMA]


def test_nulls_sent_for_absent() -> None:
    """Entra's member {"$ref": null, "value": id} is the member without a $ref."""
    operation = {"op": "Add", "path": "members", "value": [{"$ref": None, "value": "f648f8d5ea4e4cd38e9c"}]}
    assert compat.nulls_sent_for_absent(operation["value"][0]) == {"value": "f648f8d5ea4e4cd38e9c"}


def test_single_value_sent_for_list() -> None:
    """A member given as a plain value where members' array belongs is a one-element array."""
    operation = {"op": "Add", "path": "members", "value": "f648f8d5ea4e4cd38e9c"}
    assert compat.single_value_sent_for_list(operation["value"]) == ["f648f8d5ea4e4cd38e9c"]


def test_single_value_sent_as_list() -> None:
    """Entra's manager array under the short path is its one element."""
    operation = {"op": "Add", "path": "manager", "value": [{"$ref": f".../Users/{MANAGER_ID}", "value": MANAGER_ID}]}
    expected = {"$ref": f".../Users/{MANAGER_ID}", "value": MANAGER_ID}
    assert compat.single_value_sent_as_list(operation["value"]) == expected


def test_complex_value_sent_as_bare_id() -> None:
    """Entra's manager sent as a bare id string is {"value": id}."""
    operation = {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": MANAGER_ID}
    assert compat.complex_value_sent_as_bare_id(operation["value"]) == {"value": MANAGER_ID}


def test_booleans_sent_as_strings() -> None:
    """Entra's Replace of active with "False" (without the flag) is the boolean false."""
    operation = {"op": "Replace", "path": "active", "value": "False"}
    assert compat.booleans_sent_as_strings(operation["value"]) is False


# -- the layer does not hide real errors -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("normalise", "given"),
    [
        (compat.booleans_sent_as_strings, "yes"),
        (compat.single_value_sent_as_list, [{"value": "a"}, {"value": "b"}]),
        (lambda v: compat.own_id_in_pathless_value(v, "own-id"), {"id": "someone-else", "displayName": "x"}),
        (compat.empty_value_removes_complex, {"value": "m1"}),
        (compat.complex_value_sent_as_bare_id, 42),
    ],
    ids=["non-boolean-string", "two-values", "foreign-id", "non-empty-value", "number"],
)
def test_shapes_no_idp_sends_pass_through_unchanged(normalise: Any, given: Any) -> None:
    """A value no identity provider sends comes back unchanged, for the schema code to refuse or keep."""
    assert normalise(given) == given


def test_a_filter_that_is_not_eq_terms_seeds_nothing() -> None:
    """A filter with anything but eq terms joined by and gives no seed (the caller answers noTarget)."""
    path = parse_patch_path(USER, 'emails[type eq "work" or primary eq true].value')
    assert path.filter is not None
    assert compat.missing_value_created_from_filter(path.filter) is None


def test_every_compat_function_cites_a_vendor_and_an_rfc_rule() -> None:
    """Each public function of scimcore.compat names who sends the shape and which RFC section it bends."""
    functions = [f for name, f in inspect.getmembers(compat, inspect.isfunction)
                 if not name.startswith("_") and f.__module__ == compat.__name__]
    assert len(functions) == 16
    for function in functions:
        doc = inspect.getdoc(function) or ""
        assert re.search(r"Entra|Okta|Microsoft", doc), function.__name__
        assert re.search(r"RFC 764[34]\s+§", doc), function.__name__
