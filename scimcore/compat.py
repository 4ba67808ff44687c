"""The identity-provider compatibility layer: what real IdPs send that RFC 7643/7644 do not quite allow.

Owns: one small, pure function per vendor behaviour, named for the behaviour it fixes.  Each docstring says
which identity provider sends it (Entra ID with or without ``?aadOptscim062020``, Okta, Microsoft's tools)
and which RFC rule it bends; ``tests/test_compat.py`` holds the literal vendor payload of each, and
``docs/idp-compatibility.md`` maps every documented behaviour to its function.  The facts come from
``../shared/idp-traffic.md``.

Must not: decide anything on its own or see the store.  There is no "lenient" switch: every function is on
for every request, because each one only turns a shape no RFC-conforming client sends into the RFC shape,
and anything still wrong afterwards is refused by the schema and PATCH code as before (a two-element list
for a single-valued attribute, an ``id`` that is not the resource's own, ``"yes"`` for a boolean, a filter
that cannot seed a value).  Provider *profiles* (``scimcore.profiles``) choose response preferences only and
never switch these off.

Where each applies, in the order a request meets them:

- the PatchOp message (``patch.parse_operations``): :func:`patch_schemas_omitted`, :func:`op_sent_capitalised`;
- a path-less PATCH operation (``patch._Patcher.apply_pathless``): :func:`own_id_in_pathless_value`,
  :func:`nulls_sent_for_absent`, :func:`pathless_value_keys_sent_as_paths`,
  :func:`undeclared_extension_attribute_sent`;
- a PATCH operation with a path (``patch._Patcher``): :func:`members_removed_by_value_list` (``remove`` with
  a value), :func:`missing_value_created_from_filter` (filtered ``add``/``replace`` matching nothing), and for
  single-valued complex attributes :func:`value_object_sent_for_value_path`,
  :func:`empty_value_removes_complex`, :func:`manager_changed_by_value_alone`;
- a POST/PUT body (``schema.documents.normalise_resource``): :func:`undeclared_schemas_listed`,
  :func:`undeclared_extension_attribute_sent`;
- every attribute value, in POST, PUT and PATCH (``schema.documents.coerce_*``):
  :func:`single_value_sent_for_list`, :func:`single_value_sent_as_list`, :func:`complex_value_sent_as_bare_id`,
  :func:`nulls_sent_for_absent`, :func:`empty_value_removes_complex`, :func:`booleans_sent_as_strings`;
- filter literals (``filter.parser``, so ``roles[primary eq "True"]`` compares with a boolean):
  :func:`booleans_sent_as_strings`.

Deliberately absent: an e-mail check.  RFC 7643 §4.1.2 asks for addresses in RFC 5321 form, and validators
such as pydantic's ``EmailStr`` also refuse special-use domains, but Okta sends ``x@okta.local`` and Entra a
userPrincipalName on a ``corp.local`` domain.  scimcore checks ``emails.value`` only as a string, so there
is nothing to normalise and no function here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from scimcore import urns
from scimcore.filter.ast import And, Compare, Expr

_T = TypeVar("_T")


# -- the PatchOp message -------------------------------------------------------------------------------------
def patch_schemas_omitted(schemas: Any) -> Any:
    """A PatchOp message with no ``schemas`` member is read as one that lists the PatchOp URN.

    Sent by SCIM client libraries and scripts that build only ``{"Operations": [...]}``, and by hand-made
    requests copied from identity-provider logs that show the operations alone; Microsoft Entra ID, Okta and
    OneLogin themselves send the URN.  Bends RFC 7644 §3.5.2, whose PatchOp message carries
    ``"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]``.  Only an absent (or ``null``) member is
    filled in: a ``schemas`` that lists other URNs, or is not a list, is still refused with ``invalidSyntax``
    by the caller, because that is a different message and not an omission.
    """
    return [urns.PATCH_OP] if schemas is None else schemas


def op_sent_capitalised(op: str) -> str:
    """``"Add"``, ``"Replace"``, ``"Remove"`` read as ``add``, ``replace``, ``remove``.

    Sent by Entra ID without ``aadOptscim062020`` (``{"op": "Replace", "path": "active", ...}``), by Microsoft's
    own SCIM tutorial even with the flag, and by Entra's on-demand provisioning, which ignores the flag.
    Bends RFC 7644 §3.5.2, whose ``op`` values are the lower-case words.  Any other word stays unknown and is
    refused with ``invalidSyntax`` by the caller.
    """
    return op.lower()


# -- path-less PATCH operations ------------------------------------------------------------------------------
def own_id_in_pathless_value(value: Mapping[str, Any], own_id: Any) -> Mapping[str, Any]:
    """The resource's own ``id`` inside a path-less value is dropped.

    Okta renames a pushed group with ``{"op": "replace", "value": {"id": "<gid>", "displayName": "new"}}``,
    repeating the group's id.  Bends RFC 7643 §3.1 / RFC 7644 §3.5.2: ``id`` is readOnly, so a strict server
    answers 400 ``mutability``.  Only the resource's *own* id is dropped; any other ``id`` stays in the value
    and is refused as before.
    """
    if not any(isinstance(key, str) and key.lower() == "id" and item == own_id for key, item in value.items()):
        return value
    return {
        key: item
        for key, item in value.items()
        if not (isinstance(key, str) and key.lower() == "id" and item == own_id)
    }


def pathless_value_keys_sent_as_paths(op: str, value: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A path-less operation becomes one operation per key, the key read as that operation's ``path``.

    Entra ID with ``aadOptscim062020`` folds its updates into ``{"op": "replace", "value": {"displayName": ...,
    "name.givenName": ..., "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": ...}}``
    (Okta sends plain names the same way).  RFC 7644 §3.5.2.1/§3.5.2.3 say such a value holds *attributes*;
    these keys are attribute *paths* (dotted, or URN-qualified with ``:`` before the attribute), so they are
    parsed with the PATH grammar and stored nested, never as literal keys.  The result is exactly the
    per-attribute form Entra sends without the flag.  Keys that are not strings are dropped.
    """
    return [{"op": op, "path": key, "value": item} for key, item in value.items() if isinstance(key, str)]


def undeclared_extension_attribute_sent(key: str) -> bool:
    """True when a key that names no attribute of the resource type is URN-qualified: it is then ignored.

    Entra ID sends custom extension attributes as
    ``urn:ietf:params:scim:schemas:extension:<Name>:2.0:User:<attr>`` keys, without their URN in ``schemas``,
    whether or not the server declares that extension.  Bends RFC 7644 §3.5.2 (an unknown path is 400
    ``invalidPath``) in a path-less PATCH value, and RFC 7643 §3 in a POST/PUT body.  A declared extension's
    attributes are stored; an unknown key *without* a URN is still refused in PATCH (``invalidPath``).
    """
    return key[:4].lower() == "urn:"


# -- PATCH operations with a path ----------------------------------------------------------------------------
def members_removed_by_value_list(
    current: Sequence[_T], listed: Iterable[_T], same: Callable[[_T, _T], bool]
) -> list[_T]:
    """A ``remove`` that carries a value removes only the values listed, not the whole attribute.

    Entra ID without ``aadOptscim062020`` (and its tutorial) removes group members with
    ``{"op": "Remove", "path": "members", "value": [{"value": "<id>"}]}``.  Bends RFC 7644 §3.5.2.2: a
    ``remove`` has no ``value``, and one without a filter removes *every* value, so a strict server would
    empty the group.  ``same`` decides which stored values are the listed ones.
    """
    gone = list(listed)
    return [item for item in current if not any(same(item, g) for g in gone)]


def missing_value_created_from_filter(expr: Expr) -> dict[str, Any] | None:
    """The sub-attributes of a value a filtered ``add``/``replace`` creates when the filter matches nothing.

    Entra ID (with and without ``aadOptscim062020``) writes through filters on values that do not exist yet:
    ``emails[type eq "work"].value``, ``phoneNumbers[type eq "mobile"].value``,
    ``addresses[type eq "work"].locality``, and ``roles[primary eq "True"].display|value|type`` (three
    operations building one role).  Bends RFC 7644 §3.5.2.3 (a filter that matches no value is 400
    ``noTarget``).  A filter made only of ``eq`` terms joined by ``and`` gives the new value's ``{sub: value}``;
    any other filter gives ``None`` and the caller answers ``noTarget`` as the RFC says.
    """
    if isinstance(expr, Compare) and expr.op == "eq" and expr.path.sub is not None:
        return {expr.path.sub.name: expr.value}
    if isinstance(expr, And):
        left = missing_value_created_from_filter(expr.left)
        right = missing_value_created_from_filter(expr.right)
        if left is None or right is None:
            return None
        return {**left, **right}
    return None


def value_object_sent_for_value_path(value: Mapping[str, Any]) -> Any:
    """``{"value": x}`` sent to a ``….value`` sub-attribute path is read as ``x``.

    Seen as ``{"op": "replace", "path": "urn:…:enterprise:2.0:User:manager.value", "value": {"value": "<id>"}}``
    (attributed to Entra ID's manager updates; the form is not in Microsoft's published examples).  Bends
    RFC 7644 §3.5.2.3: a sub-attribute path takes the sub-attribute's own (here string) value.  The caller
    applies it only to the ``value`` sub-attribute of a complex attribute; anything but a string inside is
    refused by the type check that follows.
    """
    return value.get("value")


def empty_value_removes_complex(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """A single-valued complex value whose ``value`` is ``""`` is no value: the attribute is removed.

    Entra ID (with and without ``aadOptscim062020``) clears the enterprise ``manager`` with
    ``{"op": "replace", "path": "urn:…:User:manager", "value": {"value": ""}}`` (or ``manager.value`` set to
    ``""``).  Bends RFC 7644 §3.5.2.3: a replace stores the value given, and ``""`` is a value; removal is
    ``remove`` (§3.5.2.2), which Entra also sends.
    """
    if value is not None and value.get("value") == "":
        return None
    return value


# Sub-attributes that describe what a single complex value's ``value`` points at (the manager's ``$ref``
# and ``displayName``): they belong to the old target once ``value`` changes.
_DESCRIBES_VALUE = frozenset({"$ref", "display", "displayName"})


def manager_changed_by_value_alone(current: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """The sub-attributes of a stored single complex value that survive an update: all, unless ``value`` changes.

    Entra ID changes the manager with ``{"op": "replace", "path": "urn:…:User:manager", "value": {"value":
    "<new id>"}}`` after having set it as ``[{"$ref": ".../Users/<old id>", "value": "<old id>"}]``.  RFC 7644
    §3.5.2.3 leaves sub-attributes not given unchanged, which would keep the *old* manager's ``$ref`` and
    ``displayName`` next to the new id; when ``value`` changes they are dropped instead.
    """
    if "value" in update and current.get("value") != update["value"]:
        return {key: item for key, item in current.items() if key not in _DESCRIBES_VALUE}
    return dict(current)


# -- POST/PUT bodies -----------------------------------------------------------------------------------------
def undeclared_schemas_listed(schemas: Iterable[str], declared: Iterable[str]) -> list[str]:
    """The URIs of ``schemas`` that the resource type declares; the others are dropped, not refused.

    Entra ID creates groups with ``"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]``, and its provisioning
    walkthrough creates users listing the misspelt ``urn:ietf:params:scim:schemas:extension:enterprise:2.0User``.
    Bends RFC 7643 §3 (``schemas`` MUST only contain the type's schema and extensions).  The core schema is
    still required by the caller, and responses list the schemas a document really carries.
    """
    known = {urn.lower() for urn in declared}
    return [urn for urn in schemas if urn.lower() in known]


def nulls_sent_for_absent(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """Keys whose value is ``null`` are dropped: ``null`` means "not sent".

    Entra ID's member lists carry ``{"$ref": null, "value": "<id>"}`` (tutorial and reference server), and its
    provisioning walkthrough sends ``null`` for every attribute it does not provision.  RFC 7643 §2.5 makes
    ``null`` equal to "unassigned": applied here inside complex values, where a null sub-attribute would
    otherwise fail its type check (``$ref`` must be a string), and bent in a path-less PATCH value, where a
    null key is skipped rather than clearing the attribute.  A null top-level attribute of a POST/PUT body
    needs no help (unassigned is absent), and ``{"op": "replace", "path": "title", "value": null}`` still
    unassigns ``title``.
    """
    if None not in value.values():  # the common case: nothing to drop, nothing copied
        return value
    return {key: item for key, item in value.items() if item is not None}


# -- attribute values ----------------------------------------------------------------------------------------
def single_value_sent_for_list(value: Any) -> list[Any]:
    """One value where a multi-valued attribute's array belongs is read as a one-element array.

    Microsoft's Postman collection adds a group member as ``{"op": "Add", "path": "members", "value":
    "<id>"}``.  Bends RFC 7643 §2.4 (a multi-valued attribute is a JSON array).
    """
    return value if isinstance(value, list) else [value]


def single_value_sent_as_list(value: list[Any]) -> Any:
    """A one-element array where a single value belongs is read as that element.

    Entra ID sets the manager under its short path as ``{"op": "Add", "path": "manager", "value": [{"$ref":
    ".../Users/<id>", "value": "<id>"}]}``, the enterprise ``manager`` being a single complex attribute.
    Bends RFC 7643 §2.4/§4.3.  Arrays of two or more values stay arrays and are refused by the caller.
    """
    return value[0] if len(value) == 1 else value


def complex_value_sent_as_bare_id(value: Any) -> Any:
    """A bare string where a complex value with a ``value`` sub-attribute belongs is read as ``{"value": s}``.

    Entra ID sets the manager as ``{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:
    2.0:User:manager", "value": "<id>"}``, and Microsoft's Postman collection gives members as plain id
    strings.  Bends RFC 7643 §2.3.8 (a complex value is a JSON object).  The caller applies it only to complex
    attributes that have a ``value`` sub-attribute (``manager``, ``members``, ``emails``, ...).
    """
    return {"value": value} if isinstance(value, str) else value


def booleans_sent_as_strings(value: Any) -> Any:
    """The strings ``"True"``/``"False"`` (any case) are read as the booleans ``true``/``false``.

    Entra ID without ``aadOptscim062020`` disables users with ``{"op": "Replace", "path": "active", "value":
    "False"}``; its default ``active`` mapping (``Switch(IsSoftDeleted)``) yields "True"/"False" on create;
    and it writes roles through ``roles[primary eq "True"]``.  Bends RFC 7643 §2.3.2 (a boolean is JSON
    ``true``/``false``).  Any other string stays a string and is refused by the caller's type check.
    """
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return value
