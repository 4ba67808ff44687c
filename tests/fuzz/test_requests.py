"""Request fuzzing through the in-process service: hostile input never makes a 5xx or breaks the store.

Hypothesis sends mutated resource bodies, values of the wrong type, PATCH operations with random ops,
paths and values, Bulk requests, random filters, sort keys, projections and paging, random bytes, query
strings, paths, methods and headers — to the memory store, SQLite and PostgreSQL — and holds that:

- no response is a 5xx (Bulk operations included), but for the 501 of ``/Me`` (RFC 7644 §3.11);
- every 4xx is a SCIM Error (RFC 7644 §3.12): ``schemas`` is the Error URN, ``status`` the HTTP status as
  a string, ``detail`` a non-empty string;
- afterwards the store is intact: ``userName`` (and every ``uniqueness: server`` attribute) unique without
  regard to case, every group member names a resource that exists, versions never go backwards, and no
  password is kept in clear text.

The budget is ``SCIMCORE_FUZZ_EXAMPLES`` examples over the whole module (default 300, as CI runs it, with a
fixed seed: the same examples every run); ``nox -s fuzz`` runs 12,000 with fresh random ones
(``SCIMCORE_FUZZ_RANDOM=1``).  A stateful example is a fresh directory and up to ten requests.  With
``SCIMCORE_FUZZ_REPORT=FILE`` the number of requests sent to each store is written to FILE as JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from scimcore import BearerTokens, MemoryStore, ScimRequest, ScimService, ServiceConfig
from scimcore.schema.registry import SchemaRegistry
from scimcore.store.port import Query, Store
from scimcore.transport import ScimResponse
from tests.conftest import StepClock
from tests.custom_schemas import custom_registry

TOKEN = "fuzz-token"
BASE_URL = "https://scim.example.com/scim/v2"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACME = "urn:example:params:scim:schemas:extension:acme:2.0:User"
GADGET = "urn:example:params:scim:schemas:core:2.0:Gadget"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

BUDGET = int(os.environ.get("SCIMCORE_FUZZ_EXAMPLES", "300"))


def share(fraction: float) -> int:
    """A test's part of the module's example budget (at least 5)."""
    return max(5, round(BUDGET * fraction))


FUZZ = {"deadline": None, "suppress_health_check": list(HealthCheck),
        "derandomize": os.environ.get("SCIMCORE_FUZZ_RANDOM") != "1"}

SENT: Counter[str] = Counter()
"""Requests sent to each kind of store (``memory``, ``sqlite``, ``postgresql``) in this run."""


@pytest.fixture(scope="module", autouse=True)
def report_requests_per_store() -> Iterator[None]:
    """Write :data:`SENT` to ``SCIMCORE_FUZZ_REPORT`` after the module, for docs/reliability.md's figures."""
    yield
    target = os.environ.get("SCIMCORE_FUZZ_REPORT")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump({"examples": BUDGET, "requests": dict(SENT)}, out)

# -- the world under test -------------------------------------------------------------------------------

GADGET_SCHEMA = {
    "id": GADGET,
    "name": "Gadget",
    "description": "Every attribute type, for the fuzzer",
    "attributes": [
        {"name": "serial", "type": "string", "required": True, "uniqueness": "server"},
        {"name": "ports", "type": "integer"},
        {"name": "weight", "type": "decimal"},
        {"name": "enabled", "type": "boolean"},
        {"name": "seen", "type": "dateTime"},
        {"name": "blob", "type": "binary"},
        {"name": "home", "type": "reference", "referenceTypes": ["external"]},
        {"name": "tags", "type": "string", "multiValued": True},
        {"name": "code", "type": "string", "caseExact": True},
        {"name": "parts", "type": "complex", "multiValued": True, "subAttributes": [
            {"name": "value", "type": "string"}, {"name": "count", "type": "integer"},
            {"name": "primary", "type": "boolean"}, {"name": "type", "type": "string"},
        ]},
        {"name": "owner", "type": "complex", "subAttributes": [
            {"name": "value", "type": "string"}, {"name": "display", "type": "string", "mutability": "readOnly"},
        ]},
    ],
}


def fuzz_registry() -> SchemaRegistry:
    """The default schemas, the Acme extension, Device, and Gadget with every attribute type."""
    registry = custom_registry()
    registry.register_schema(GADGET_SCHEMA)
    registry.register_resource_type("Gadget", "/Gadgets", GADGET)
    return registry


REGISTRY = fuzz_registry()
ENDPOINTS = {t.endpoint.strip("/"): t for t in REGISTRY.resource_types}


def cheap_hash(password: str) -> str:
    """A fast stand-in for scrypt, so the fuzzer spends its time on requests."""
    return "hashed$" + hashlib.sha256(password.encode("utf-8", "surrogatepass")).hexdigest()


PLACEHOLDER = re.compile(r"@(id|etag|cursor|Users|Groups|Gadgets|Devices):(\d+)")


def _kind(store: Store) -> str:
    dialect = getattr(getattr(store, "engine", None), "dialect", None)
    return "memory" if dialect is None else str(dialect.name)


@dataclass
class World:
    """A service over one directory of a store, the ids it made, and what the invariants remember."""

    store: Store
    directory: str = field(default_factory=lambda: uuid.uuid4().hex)
    ids: list[str] = field(default_factory=list)
    typed: dict[str, list[str]] = field(default_factory=dict)  # endpoint ("Users") -> ids made there
    cursors: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.service = ScimService(
            self.store,
            registry=REGISTRY,
            authenticator=BearerTokens([TOKEN]),
            config=ServiceConfig(max_page_size=50, bulk_max_operations=20, cursor_secret=b"k" * 32),
            clock=StepClock(),
            password_hasher=cheap_hash,
        )

    def seed(self) -> None:
        """Three users, two groups (one nested in the other) and a gadget."""
        alice = self.create("Users", {"schemas": [USER_SCHEMA], "userName": "alice", "emails": [
            {"value": "alice@corp.example", "type": "work", "primary": True}], "name": {"givenName": "Alice"}})
        bob = self.create("Users", {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "Bob",
                                    ENTERPRISE: {"manager": {"value": alice}, "employeeNumber": "7"}})
        carol = self.create("Users", {"schemas": [USER_SCHEMA, ACME], "userName": "carol", "active": True,
                                      ACME: {"badge": "b-1", "level": 3}})
        inner = self.create("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Inner",
                                       "members": [{"value": alice}, {"value": bob}]})
        self.create("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Outer",
                               "members": [{"value": inner}, {"value": carol}]})
        self.create("Gadgets", {"schemas": [GADGET], "serial": "SN-1", "ports": 4, "tags": ["a", "b"],
                                "parts": [{"value": "p", "count": 2, "primary": True}]})
        self.create("Devices", {"schemas": [SCHEMA_OF["Devices"]], "serial": "D-1", "displayName": "Laptop"})
        self.check()

    def create(self, endpoint: str, doc: dict[str, Any]) -> str:
        response = self.send("POST", f"/{endpoint}", "", {}, json.dumps(doc).encode())
        assert response.status == 201, response.body
        rid: str = json.loads(response.body)["id"]
        return rid

    # -- requests ---------------------------------------------------------------------------------------
    def resolve(self, text: str) -> str:
        """Replace ``@id:N`` (any id), ``@Users:N`` (a user's id), ``@etag:N`` and ``@cursor:N`` placeholders."""

        def one(match: re.Match[str]) -> str:
            kind, index = match.group(1), int(match.group(2))
            if kind == "cursor":
                return self.cursors[index % len(self.cursors)] if self.cursors else "no-cursor"
            if kind in ENDPOINTS:
                typed = self.typed.get(kind) or ["no-such-id"]
                return typed[index % len(typed)]
            if not self.ids:
                return "no-such-id"
            rid = self.ids[index % len(self.ids)]
            if kind == "id":
                return rid
            return f'W/"{self.versions.get(rid, 1)}"'

        return PLACEHOLDER.sub(one, text)

    def resolve_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.resolve(value)
        if isinstance(value, list):
            return [self.resolve_json(v) for v in value]
        if isinstance(value, dict):
            return {self.resolve(str(k)): self.resolve_json(v) for k, v in value.items()}
        return value

    def send(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, *, token: str | None = TOKEN
    ) -> ScimResponse:
        all_headers = {"content-type": "application/scim+json", **{k.lower(): v for k, v in headers.items()}}
        if token is not None and "authorization" not in all_headers:
            all_headers["authorization"] = f"Bearer {token}"
        request = ScimRequest(method, path, query, all_headers, body, BASE_URL, directory=self.directory)
        response = self.service.handle(request)
        SENT[_kind(self.store)] += 1
        check_response(request, response)
        self.learn(response)
        if method.upper() == "DELETE" and response.status == 204:
            self.forget(path.rsplit("/", 1)[-1])
        return response

    def send_spec(self, spec: RequestSpec) -> ScimResponse:
        body = spec.body
        if isinstance(body, bytes):
            raw = body
        else:
            raw = json.dumps(self.resolve_json(body), ensure_ascii=spec.ascii).encode("utf-8", "surrogatepass")
        path = self.resolve(spec.path)
        current = f'W/"{self.versions.get(path.rsplit("/", 1)[-1], 1)}"'  # "@match": the ETag of the target
        headers = {k: self.resolve(v).replace("@match", current) for k, v in spec.headers.items()}
        return self.send(spec.method, path, self.resolve(spec.query), headers, raw, token=spec.token)

    def learn(self, response: ScimResponse) -> None:
        """Remember ids of created resources and cursors handed out, for later requests to use."""
        if not response.body or response.status >= 300:
            return
        doc = json.loads(response.body)
        if not isinstance(doc, dict):
            return
        if response.status == 201 and isinstance(doc.get("id"), str):
            self.made(str((doc.get("meta") or {}).get("location", "")), doc["id"])
        for key in ("nextCursor", "previousCursor"):
            if isinstance(doc.get(key), str):
                self.cursors.append(doc[key])
        for op in doc.get("Operations") or []:
            location = op.get("location") if isinstance(op, dict) else None
            if isinstance(location, str) and op.get("status") == "201":
                self.made(location, location.rsplit("/", 1)[-1])

    def forget(self, rid: str) -> None:
        """Stop aiming requests at a deleted resource (the placeholders fall back to other ids)."""
        for ids in (self.ids, *self.typed.values()):
            while rid in ids:
                ids.remove(rid)

    def made(self, location: str, rid: str) -> None:
        self.ids.append(rid)
        endpoint = location.rsplit("/", 2)[-2] if location.count("/") >= 2 else ""
        self.typed.setdefault(endpoint, []).append(rid)

    # -- invariants -------------------------------------------------------------------------------------
    def check(self) -> None:
        """Uniqueness without regard to case, members that exist, versions that only go up, hashed passwords."""
        every: dict[str, dict[str, Any]] = {}
        for rtype in REGISTRY.resource_types:
            docs = self.store.search(rtype, Query(), directory=self.directory).resources
            for attr in [a for a in rtype.schema.attributes.values() if a.uniqueness in ("server", "global")]:
                values = [d[attr.name] for d in docs if d.get(attr.name) is not None]
                shown = [v if attr.case_exact else str(v).lower() for v in values]
                assert len(shown) == len(set(shown)), f"{rtype.name}.{attr.name} not unique: {sorted(shown)}"
            for doc in docs:
                every[doc["id"]] = doc
                version = doc["meta"]["version"]
                assert re.fullmatch(r'W/"\d+"', version), version
                number = int(version[3:-1])
                assert number >= self.versions.get(doc["id"], 0), f"{doc['id']} went back to {version}"
                self.versions[doc["id"]] = number
                password = doc.get("password")
                assert password is None or str(password).startswith("hashed$"), "a password kept in clear"
        for doc in every.values():
            for member in doc.get("members") or []:
                assert member["value"] in every, f"group {doc['id']} lists missing member {member['value']}"
        known = self.store.resource_types_of(list(every), directory=self.directory)
        assert set(known) == set(every)


def check_response(request: ScimRequest, response: ScimResponse) -> None:
    """No 5xx but 501; an error is a SCIM Error whose status matches; a body that is there is JSON."""
    shown = f"{request.method} {request.path}?{request.query} {request.body[:500]!r} -> {response.status} " \
            f"{response.body[:500]!r}"
    assert response.status < 500 or response.status == 501, shown  # 501: /Me, as RFC 7644 §3.11 allows
    if response.status >= 400:
        doc = json.loads(response.body)
        assert doc["schemas"] == [ERROR], shown
        assert doc["status"] == str(response.status), shown
        assert isinstance(doc["detail"], str) and doc["detail"], shown
        assert response.header("Content-Type") == "application/scim+json", shown
    elif response.body:
        doc = json.loads(response.body)
        for op in doc.get("Operations") or [] if isinstance(doc, dict) else []:
            status = int(op["status"])
            assert status < 500 or status == 501, shown
            if status >= 400:
                assert op["response"]["status"] == op["status"], shown
                assert op["response"]["schemas"] == [ERROR] and op["response"]["detail"], shown


# -- strategies -----------------------------------------------------------------------------------------

USER_REF = st.integers(0, 8).map(lambda i: f"@Users:{i}")
GROUP_REF = st.integers(0, 4).map(lambda i: f"@Groups:{i}")
ID_REF = st.one_of(USER_REF, GROUP_REF, st.integers(0, 12).map(lambda i: f"@id:{i}"))
WORD = st.sampled_from(["alpha", "Beta", "gamma", "ÉCOLE", "école", "x", "mixed Case", "Ünïcødé"]) | st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=12)
NAMES = st.sampled_from(["alice", "ALICE", "Alice", "bob", "carol", "dave", "ünïcødé", "", " ", "a" * 300, "x\u0000y",
                         "\ud800", "a\udfffb", "\U0001f600"]) | WORD
EMAIL = WORD.map(lambda w: f"{w}@corp.example")
DATES = st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-01T00:00:00+02:00", "2026-01-01T00:00:00", "not-a-date"])
TEXT = st.text(max_size=40)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), NAMES, TEXT, ID_REF, DATES,
    st.sampled_from(["True", "False", "aGVsbG8=", "@@", "null", "0", "-1"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.one_of(st.sampled_from(["value", "type", "primary", "display", "$ref", "givenName", "members"]), TEXT),
        inner, max_size=4),
    max_leaves=12,
)


def _items(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(st.fixed_dictionaries({}, optional=fields), min_size=1, max_size=3)


# Per resource type, attribute paths with values of the right shape: most PATCHes and bodies are well aimed,
# so the fuzzer gets past validation into the PATCH engine, the members path and the stores.
GOOD: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "Users": {
        "userName": NAMES, "displayName": WORD, "nickName": WORD, "title": WORD,
        "active": st.booleans() | st.sampled_from(["True", "False"]),
        "name": st.fixed_dictionaries({}, optional={"givenName": WORD, "familyName": WORD, "formatted": WORD}),
        "name.givenName": WORD, "name.familyName": WORD,
        "emails": _items(value=EMAIL, type=st.sampled_from(["work", "home", "other"]), primary=st.booleans()),
        'emails[type eq "work"].value': EMAIL, 'emails[type eq "work"]': _items(value=EMAIL, primary=st.booleans()),
        "emails[primary eq true].type": st.sampled_from(["work", "home"]),
        "phoneNumbers": _items(value=WORD, type=st.sampled_from(["mobile", "work"])),
        'phoneNumbers[type eq "mobile"].value': WORD,
        "addresses": _items(streetAddress=WORD, type=st.sampled_from(["work", "home"]), primary=st.booleans()),
        'addresses[type eq "work"].streetAddress': WORD, 'roles[primary eq "True"].display': WORD,
        "x509Certificates": _items(value=st.sampled_from(["aGVsbG8=", "Zm9v"])),
        "externalId": WORD, "password": WORD, "locale": WORD, "timezone": st.sampled_from(["Europe/Paris", "x"]),
        f"{ENTERPRISE}:manager": st.fixed_dictionaries({"value": USER_REF | st.just("")}),
        f"{ENTERPRISE}:manager.value": USER_REF | st.just(""), f"{ENTERPRISE}:employeeNumber": WORD,
        f"{ENTERPRISE}:department": WORD, f"{ACME}:level": st.integers(-5, 10**12), f"{ACME}:badge": WORD,
        f"{ACME}:pin": WORD,
    },
    "Groups": {
        "displayName": WORD, "externalId": WORD,
        "members": st.lists(st.fixed_dictionaries({"value": USER_REF | GROUP_REF}, optional={"display": WORD}),
                            max_size=4),
        'members[value eq "@Users:0"]': st.none(), 'members[value eq "@Users:1"]': st.none(),
        'members[type eq "User"]': st.none(),
    },
    "Gadgets": {
        "serial": WORD, "ports": st.integers(-10, 10**6), "weight": st.floats(-1e6, 1e6), "enabled": st.booleans(),
        "seen": DATES, "blob": st.sampled_from(["aGVsbG8=", "Zm9vYmFy"]), "home": WORD.map(lambda w: f"https://{w}"),
        "tags": st.lists(WORD, max_size=3), "code": WORD, "owner": st.fixed_dictionaries({"value": WORD}),
        "owner.value": WORD, "parts": _items(value=WORD, count=st.integers(0, 9), primary=st.booleans()),
        "parts[primary eq true].value": WORD, "parts[count gt 1]": _items(value=WORD),
    },
    "Devices": {"serial": WORD, "displayName": WORD},
}
SCHEMA_OF = {"Users": USER_SCHEMA, "Groups": GROUP_SCHEMA, "Gadgets": GADGET,
             "Devices": "urn:example:params:scim:schemas:core:2.0:Device"}

ATTR_PATHS = sorted({p for paths in GOOD.values() for p in paths} | {
    "groups", "groups.value", "members.value", "id", "meta", "meta.created", "meta.lastModified", "meta.version",
    "schemas", ENTERPRISE, ACME, f"{USER_SCHEMA}:userName", f"{USER_SCHEMA}:name.givenName", "owner.display",
    "nope", "name.nope", "emails[", "emails]", "emails[type eq]", 'emails[type eq "work"].nope',
    'emails[type eq "a"][x]', "urn:", "urn:x:y", ".", "name.", "[", "members[value eq @id:0]",
    'emails[type eq "x" or type eq "y"]', "emails[not (type pr)]", 'members[value eq "@Groups:0"].display',
})
PATHS = st.one_of(st.sampled_from(ATTR_PATHS), TEXT, st.none(), st.integers(), st.lists(TEXT, max_size=2))

FILTER_ATTRS = [p for p in ATTR_PATHS if "[" not in p and "]" not in p] + ["userName.x", "groups.display",
                                                                            "members.type", "meta.resourceType"]
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Sw", "xx", "pr", "and", ""]
FILTER_VALUES = [
    '"alice"', '"ALICE"', '"@Users:0"', '"@Groups:0"', '"al"', '""', "true", "false", "null", "42", "-1", "0", "3.14",
    "1e400", "-1e-400", "99999999999999999999999999", '"2026-01-01T00:00:00Z"', '"2026-13-45T99:99:99Z"', '"\\"q\\""',
    '"\\u00e9"', '"\\x"', '"unterminated', "'single'", "alice", "[]", '"a\\\\"', '"' + "é" * 50 + '"', '"\\u0000"',
    '"\\ud800"',
]


@st.composite
def filters(draw: st.DrawFn, depth: int = 0) -> str:
    """A filter that is usually well-formed and sometimes broken on purpose."""
    kind = draw(st.integers(0, 9 if depth < 3 else 3))
    if kind <= 2:
        attr = draw(st.sampled_from(FILTER_ATTRS))
        op = draw(st.sampled_from(OPERATORS))
        return f"{attr} pr" if op == "pr" else f"{attr} {op} {draw(st.sampled_from(FILTER_VALUES))}"
    if kind == 3:
        return draw(st.text(alphabet=' ()[]"\\.:aAeEnoqrtuwsxy0123456789-+', max_size=30))
    if kind in (4, 5):
        joiner = draw(st.sampled_from([" and ", " or ", " AND ", " Or ", " ", " and not "]))
        return draw(filters(depth + 1)) + joiner + draw(filters(depth + 1))
    if kind == 6:
        return f"({draw(filters(depth + 1))})"
    if kind == 7:
        return f"not ({draw(filters(depth + 1))})"
    if kind == 8:
        attr = draw(st.sampled_from(["emails", "members", "parts", "addresses", "x509Certificates", "userName",
                                     "groups", f"{ENTERPRISE}:manager", "nope"]))
        inner = draw(filters(depth + 1)).replace("emails[", "").replace("members.", "")
        return f"{attr}[{inner}]" + draw(st.sampled_from(["", ".value", ".nope", " pr"]))
    text = draw(filters(depth + 1))
    cut = draw(st.integers(0, len(text)))
    return text[:cut] + draw(st.sampled_from(["", ")", "(", "]", '"', " and", "\\"])) + text[cut:]


QUERY_NAMES = ["filter", "count", "startIndex", "attributes", "excludedAttributes", "sortBy", "sortOrder",
               "cursor", "aadOptscim062020", "Filter", "COUNT"]
NUMBERS = st.one_of(st.integers(-5, 60).map(str), st.sampled_from(
    ["", "abc", "1.5", "1e3", "99999999999999999999999", "-99999999999999999999", " 3", "0x10", "١٢"]))


@st.composite
def query_params(draw: st.DrawFn) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(QUERY_NAMES) | TEXT, max_size=4, unique=True)):
        if name.lower() == "filter":
            params[name] = draw(filters())
        elif name in ("count", "startIndex", "COUNT"):
            params[name] = draw(NUMBERS)
        elif name in ("attributes", "excludedAttributes", "sortBy"):
            params[name] = ",".join(draw(st.lists(st.sampled_from(ATTR_PATHS) | TEXT, max_size=3)))
        elif name == "sortOrder":
            params[name] = draw(st.sampled_from(["ascending", "descending", "DESCENDING", "up", ""]))
        elif name == "cursor":
            params[name] = draw(st.sampled_from(["", "@cursor:0", "@cursor:1", "garbage", "a.b.c"]) | TEXT)
        else:
            params[name] = draw(TEXT)
    return params


@st.composite
def query_strings(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text(alphabet=st.characters(max_codepoint=255), max_size=60))
    return urlencode(draw(query_params()), quote_via=quote)


def mutate(draw: st.DrawFn, doc: Any) -> Any:
    """``doc`` as it is (half the time), or with keys removed, replaced by anything, or added, at any depth."""
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        doc = _mutate_once(draw, doc)
    return doc


def _mutate_once(draw: st.DrawFn, doc: Any) -> Any:
    if isinstance(doc, dict) and doc and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(doc)))
        action = draw(st.integers(0, 3))
        out = dict(doc)
        if action == 0:
            del out[key]
        elif action == 1:
            out[key] = draw(JSON)
        elif action == 2:
            out[key] = _mutate_once(draw, out[key])
        else:
            out[draw(st.sampled_from([*ATTR_PATHS[:20], "schemas", "id", "meta", "Operations"]) | TEXT)] = draw(JSON)
        return out
    if isinstance(doc, list) and doc and draw(st.booleans()):
        out_list = list(doc)
        index = draw(st.integers(0, len(out_list) - 1))
        out_list[index] = _mutate_once(draw, out_list[index])
        return out_list
    return draw(JSON) if draw(st.integers(0, 4)) == 0 else doc


def _plain(path: str) -> bool:
    """A path that is a plain attribute name (usable as a key of a resource or a path-less PATCH value)."""
    return "[" not in path and ("." not in path or path.startswith("urn:"))


@st.composite
def bodies(draw: st.DrawFn, endpoint: str) -> Any:
    """A resource of ``endpoint``'s type with well-shaped values, then possibly bent out of shape."""
    good = GOOD[endpoint]
    required = {"Users": "userName", "Groups": "displayName", "Gadgets": "serial", "Devices": "serial"}[endpoint]
    doc: dict[str, Any] = {"schemas": [SCHEMA_OF[endpoint]], required: draw(good[required])}
    keys = draw(st.lists(st.sampled_from(sorted(p for p in good if _plain(p))), max_size=6, unique=True))
    for key in keys:
        if key.startswith("urn:"):
            urn, _, name = key.rpartition(":")
            doc.setdefault(urn, {})[name] = draw(good[key])
            doc["schemas"] = [*doc["schemas"], urn] if urn not in doc["schemas"] else doc["schemas"]
        else:
            doc[key] = draw(good[key])
    if endpoint == "Users" and draw(st.integers(0, 5)) == 0:
        doc.update({"id": "@id:0", "meta": {"version": 'W/"999"'}, "groups": [{"value": "@Groups:0"}]})
    return mutate(draw, doc)


RESOURCE_BODIES = st.sampled_from(sorted(GOOD)).flatmap(bodies)


@st.composite
def good_operations(draw: st.DrawFn, endpoint: str) -> dict[str, Any]:
    """An operation a client could mean: a path of the type, a value of the right shape."""
    good = GOOD[endpoint]
    op = draw(st.sampled_from(["add", "replace", "remove", "Add", "Replace", "Remove"]))
    if draw(st.integers(0, 4)) == 0:  # path-less: the value holds attribute names
        names = draw(st.lists(st.sampled_from(sorted(p for p in good if _plain(p) and ":" not in p)), min_size=1,
                              max_size=3, unique=True))
        return {"op": "replace" if op.lower() == "remove" else op, "value": {n: draw(good[n]) for n in names}}
    path = draw(st.sampled_from(sorted(good)))
    if op.lower() == "remove":
        if path == "members" and draw(st.booleans()):  # Entra's removal of listed members
            return {"op": op, "path": path, "value": [{"value": draw(USER_REF | GROUP_REF)}]}
        return {"op": op, "path": path}
    return {"op": op, "path": path, "value": draw(good[path])}


RANDOM_OPERATION = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "remove", "Add", "REPLACE", "Remove", "copy", ""]) | SCALARS},
    optional={"path": PATHS, "value": JSON | RESOURCE_BODIES | st.lists(
        st.fixed_dictionaries({"value": ID_REF}), max_size=3)})


@st.composite
def patch_bodies(draw: st.DrawFn, endpoint: str = "Users") -> Any:
    operation = st.one_of(good_operations(endpoint), good_operations(endpoint), good_operations(endpoint),
                          RANDOM_OPERATION)
    ops = draw(st.lists(operation, min_size=0 if draw(st.integers(0, 9)) == 0 else 1, max_size=5))
    schemas = draw(st.sampled_from([[PATCH_OP]] * 6 + [[PATCH_OP.upper()], [], ["urn:x"], PATCH_OP]))
    key = draw(st.sampled_from(["Operations"] * 6 + ["operations", "ops"]))
    return mutate(draw, {"schemas": schemas, key: ops})


@st.composite
def bulk_bodies(draw: st.DrawFn) -> Any:
    operations = []
    for _ in range(draw(st.integers(0, 5))):
        endpoint = draw(st.sampled_from(sorted(GOOD)))
        method = draw(st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "GET", "post"]) | SCALARS)
        data = (patch_bodies(endpoint) if method == "PATCH" else bodies(endpoint)) | JSON
        operation: dict[str, Any] = {
            "method": method,
            "path": draw(st.sampled_from([f"/{endpoint}", f"/{endpoint}/@{endpoint}:0", f"/{endpoint}/bulkId:a",
                                          "/Bulk", endpoint, "/Nope"]) | TEXT),
            "bulkId": draw(st.sampled_from(["a", "b", "c"]) | TEXT),
            "data": draw(data),
            "version": draw(st.sampled_from(["@etag:0", 'W/"1"', "*"]) | TEXT),
        }
        for key in draw(st.lists(st.sampled_from(sorted(operation)), max_size=2, unique=True)):
            del operation[key]
        operations.append(operation)
    return mutate(draw, {"schemas": [BULK], "Operations": operations, "failOnErrors": draw(SCALARS)})


@st.composite
def search_bodies(draw: st.DrawFn) -> Any:
    doc: dict[str, Any] = {"schemas": [SEARCH]}
    for key, value in draw(query_params()).items():
        doc[key] = value
    if draw(st.booleans()):
        doc["attributes"] = draw(st.lists(st.sampled_from(ATTR_PATHS), max_size=3))
    if draw(st.booleans()):
        doc["count"] = draw(SCALARS)
    return mutate(draw, doc)


NASTY_JSON = st.one_of(
    st.integers(1, 5000).map(lambda n: ("[" * n + "]" * n).encode()),
    st.integers(1, 3000).map(lambda n: ('{"schemas":' * n + "1" + "}" * n).encode()),
    st.sampled_from([
        b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\\ud800"}',
        b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a\\u0000"}',
        b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","title":NaN}',
        b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","x":1e400}',
        b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","x":-Infinity}',
        b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"\\ud800":1}}]}',
        b"9" * 5000, b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}", b"{}" * 100, b'"' + b"a" * 10000 + b'"', b"null",
    ]),
)


@dataclass(frozen=True)
class RequestSpec:
    """One request to send; strings may hold ``@id:N``-style placeholders resolved against the world."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = b""
    token: str | None = TOKEN
    ascii: bool = True  # JSON with \\u escapes (lone surrogates survive them) or raw UTF-8


CONTENT_TYPES = ["application/scim+json", "application/json", "application/json; charset=utf-8", "text/plain",
                 "", "application/scim+json;charset=latin-1", "multipart/form-data", "application/xml"]
PRECONDITIONS = st.sampled_from(["@match", "@match", "@etag:0", "*", 'W/"1"', '"1"', "W/", '"x", W/"2"', "garbage",
                                 ""])


@st.composite
def header_sets(draw: st.DrawFn) -> dict[str, str]:
    headers: dict[str, str] = {}
    if draw(st.integers(0, 5)) == 0:
        headers["content-type"] = draw(st.sampled_from(CONTENT_TYPES))
    if draw(st.integers(0, 3)) == 0:
        headers["if-match"] = draw(PRECONDITIONS)
    if draw(st.integers(0, 5)) == 0:
        headers["if-none-match"] = draw(PRECONDITIONS)
    return headers


def resource_path(endpoint: str) -> st.SearchStrategy[str]:
    """Mostly a resource of the endpoint's own type; sometimes any id, or any text."""
    own = st.integers(0, 8).map(lambda i: f"/{endpoint}/@{endpoint}:{i}")
    return st.one_of(own, own, own, own, ID_REF.map(lambda ref: f"/{endpoint}/{ref}"),
                     TEXT.map(lambda t: f"/{endpoint}/{quote(t, safe='')}"))


@st.composite
def requests(draw: st.DrawFn) -> RequestSpec:
    """Any request: mostly well-aimed at real endpoints and resources, with bodies bent out of shape."""
    endpoint = draw(st.sampled_from(sorted(GOOD)))
    kind = draw(st.integers(0, 13))
    headers = draw(header_sets())
    query = draw(query_strings()) if draw(st.integers(0, 3)) == 0 else ""
    body = bodies(endpoint) | bodies(endpoint) | bodies(endpoint) | RESOURCE_BODIES
    if kind in (0, 1):
        return RequestSpec("POST", f"/{endpoint}", query, headers, draw(body), ascii=draw(st.booleans()))
    if kind == 2:
        return RequestSpec("PUT", draw(resource_path(endpoint)), query, headers, draw(body))
    if kind in (3, 4, 5):
        return RequestSpec("PATCH", draw(resource_path(endpoint)), query, headers, draw(patch_bodies(endpoint)))
    if kind == 6:
        return RequestSpec("DELETE", draw(resource_path(endpoint)), query, headers)
    if kind == 7:
        return RequestSpec("GET", draw(resource_path(endpoint)), draw(query_strings()), headers)
    if kind == 8:
        return RequestSpec("GET", draw(st.sampled_from([f"/{endpoint}", "/"])), draw(query_strings()), headers)
    if kind == 9:
        path = draw(st.sampled_from([f"/{endpoint}/.search", "/.search"]))
        return RequestSpec("POST", path, query, headers, draw(search_bodies()))
    if kind == 10:
        return RequestSpec("POST", "/Bulk", query, headers, draw(bulk_bodies()))
    if kind == 11:
        method = draw(st.sampled_from(["POST", "PUT", "PATCH"]))
        path = draw(st.sampled_from([f"/{endpoint}", "/Bulk", f"/{endpoint}/.search", f"/{endpoint}/@{endpoint}:0"]))
        return RequestSpec(method, path, query, headers, draw(st.binary(max_size=200) | NASTY_JSON))
    if kind == 12:
        return RequestSpec(draw(methods()), draw(paths()), draw(query_strings()), headers, draw(JSON))
    return RequestSpec("GET", f"/{endpoint}", query, headers, token=draw(st.sampled_from([None, "wrong", ""])))


def methods() -> st.SearchStrategy[str]:
    return st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "get", "Patch",
                            "", "FOO"]) | st.text(max_size=8)


def paths() -> st.SearchStrategy[str]:
    known = ["/", "/Users", "/Groups", "/Gadgets", "/Devices", "/Schemas", "/ResourceTypes", "/Bulk", "/Me",
             "/.search", "/ServiceProviderConfig", f"/Schemas/{USER_SCHEMA}", "/ResourceTypes/User",
             "/Users/@Users:0", "/Users/.search", "//Users//", "/users", "/Users/@Users:0/extra", "/Schemas/urn:nope",
             "/Users?x=1", "/%2e%2e/Users", "/Users/../Groups", ""]
    return st.sampled_from(known) | st.text(max_size=30) | st.lists(TEXT, max_size=4).map("/".join)


# -- the tests ----------------------------------------------------------------------------------------


class RequestMachine(RuleBasedStateMachine):
    """A fresh directory with seed data, then a sequence of fuzzed requests, the store checked after each."""

    store_factory: Callable[[], Store] = MemoryStore

    def __init__(self) -> None:
        super().__init__()
        self.world = World(self.store_factory())

    @initialize()
    def seed(self) -> None:
        self.world.seed()

    @rule(spec=requests())
    def send(self, spec: RequestSpec) -> None:
        self.world.send_spec(spec)

    @invariant()
    def store_is_intact(self) -> None:
        self.world.check()


def run_machine(store: Store, examples: int) -> None:
    class Machine(RequestMachine):
        store_factory = staticmethod(lambda: store)  # type: ignore[assignment]

    run_state_machine_as_test(Machine, settings=settings(max_examples=examples, stateful_step_count=10, **FUZZ))


def test_request_sequences_on_the_memory_store() -> None:
    """Sequences of fuzzed requests on the memory store: no 5xx, SCIM errors, store invariants hold."""
    run_state_machine_as_test(
        RequestMachine, settings=settings(max_examples=share(0.40), stateful_step_count=10, **FUZZ)
    )


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    pytest.importorskip("sqlalchemy")
    from scimcore.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    yield store
    store.close()


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[Store]:
    from scimcore.store.sql import SqlStore

    store = SqlStore(postgres_url)
    yield store
    store.close()


def test_request_sequences_on_sqlite(sqlite_store: Store) -> None:
    """Sequences of fuzzed requests on SQLite (a fresh directory each): no 5xx, store invariants hold."""
    run_machine(sqlite_store, share(0.12))


def test_request_sequences_on_postgresql(postgres_store: Store) -> None:
    """Sequences of fuzzed requests on PostgreSQL (a fresh directory each): no 5xx, store invariants hold."""
    run_machine(postgres_store, share(0.10))


@pytest.fixture(scope="module")
def memory_world() -> World:
    world = World(MemoryStore())
    world.seed()
    return world


def _query_world(store: Store) -> World:
    world = World(store)
    world.seed()
    return world


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgres"])
def test_random_filters_sorting_and_paging(backend: str, request: pytest.FixtureRequest) -> None:
    """Random filters, sortBy, projections and paging, by GET and .search, answer 200 or a SCIM 400."""
    store: Store
    if backend == "memory":
        store = MemoryStore()
    else:
        store = request.getfixturevalue(f"{backend}_store")
    world = _query_world(store)

    @settings(max_examples=share(0.08 if backend != "postgres" else 0.05), **FUZZ)
    @given(endpoint=st.sampled_from(["Users", "Groups", "Gadgets", ""]), params=query_params(), post=st.booleans())
    def run(endpoint: str, params: dict[str, Any], post: bool) -> None:
        if post:
            body = json.dumps(world.resolve_json({"schemas": [SEARCH], **params})).encode()
            world.send("POST", f"/{endpoint}/.search" if endpoint else "/.search", "", {}, body)
        else:
            world.send("GET", f"/{endpoint}", world.resolve(urlencode(params, quote_via=quote)), {}, b"")

    run()
    world.check()


@settings(max_examples=share(0.12), **FUZZ)
@given(method=methods(), path=paths(), query=query_strings(), body=st.binary(max_size=300), headers=header_sets())
def test_random_bytes_methods_paths_and_query_strings(
    memory_world: World, method: str, path: str, query: str, body: bytes, headers: dict[str, str]
) -> None:
    """Random bytes to random paths with random methods and query strings: never a 5xx."""
    memory_world.send(method, memory_world.resolve(path), query, {k: memory_world.resolve(v) for k, v in
                                                                      headers.items()}, body)
    memory_world.check()


@settings(max_examples=share(0.12), **FUZZ)
@given(spec=requests())
def test_single_requests_against_seed_data(spec: RequestSpec) -> None:
    """One fuzzed request against fresh seed data: no 5xx, SCIM errors, store invariants hold."""
    world = World(MemoryStore())
    world.seed()
    world.send_spec(spec)
    world.check()
