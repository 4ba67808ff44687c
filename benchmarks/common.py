"""Shared, standard-library-only pieces of the benchmark suite.

Imported by ``run.py`` (the dev virtualenv), ``inprocess.py`` (run in the dev virtualenv for scimcore and the
ceiling, and in the peer's own virtualenv for scim2-server) and ``serve_app.py``.  It owns the seed data (the
same users and group for every server), the scenario list and the paths each server is reached at.
Nothing here may import anything outside the standard library.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

TOKEN = "bench-token-0123456789abcdef0123456789abcdef"
BIG_GROUP_MEMBERS = 2000
CO_TOKEN = "xyz"  # the `co` scan looks for this; exactly CO_MATCHES users carry it
CO_MATCHES = 5
SEED = 20261126

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CONTENT_TYPE = "application/scim+json"

# Where each server's SCIM root lives below the host.
PREFIX = {"scimcore": "/scim/v2", "scimcore-sqlite": "/scim/v2", "peer": "/v2", "ceiling": "/scim/v2"}

FIRST = ["ada", "alan", "grace", "linus", "barbara", "dennis", "ken", "margaret", "edsger", "donald",
         "frances", "john", "radia", "tim", "vint", "whitfield", "shafi", "leslie", "niklaus", "hedy"]
LAST = ["lovelace", "turing", "hopper", "torvalds", "liskov", "ritchie", "thompson", "hamilton", "dijkstra",
        "knuth", "allen", "backus", "perlman", "bernerslee", "cerf", "diffie", "goldwasser", "lamport", "wirth"]
DEPARTMENTS = ["Engineering", "Sales", "Finance", "Support", "Marketing", "Legal", "Operations"]


@dataclass(frozen=True)
class Scenario:
    """One measured request pattern; ``name`` is also the mode of the wrk Lua script."""

    name: str
    label: str
    method: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("get_user", "GET user by id", "GET"),
    Scenario("filter_eq", "`userName eq` filter", "GET"),
    Scenario("page_100", "page of 100 (startIndex=N/2)", "GET"),
    Scenario("co_scan", "`co` scan, count 10", "GET"),
    Scenario("patch_active", "Entra PATCH active", "PATCH"),
    Scenario("group_members", "big-group member add/remove", "PATCH"),
    Scenario("get_group", "big-group GET without members", "GET"),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)


def user_name(i: int, n: int) -> str:
    """The userName of seed user ``i`` of ``n``; CO_MATCHES users spread over the collection carry CO_TOKEN."""
    step = max(n // CO_MATCHES, 1)
    first = FIRST[i % len(FIRST)]
    if i % step == step // 2 and i // step < CO_MATCHES:
        first = CO_TOKEN + "zy"
    return f"{first}.{LAST[(i // len(FIRST)) % len(LAST)]}.{i:07d}@example.com"


def user_doc(i: int, n: int) -> dict:
    """A realistic (~1 KB as returned) Entra-shaped SCIM user."""
    name = user_name(i, n)
    first, last = name.split(".")[:2]
    rng = random.Random(SEED + i)
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": f"ext-{i:07d}-{rng.randrange(16**8):08x}",
        "userName": name,
        "active": True,
        "displayName": f"{first.title()} {last.title()}",
        "title": rng.choice(["Engineer", "Manager", "Analyst", "Director", "Designer"]),
        "name": {"formatted": f"{first.title()} {last.title()}", "familyName": last.title(),
                 "givenName": first.title()},
        "emails": [{"value": name, "type": "work", "primary": True}],
        "phoneNumbers": [{"value": f"+1 555 {i % 10000:04d}", "type": "work"}],
        "addresses": [{"type": "work", "streetAddress": f"{i % 900 + 1} Main St", "locality": "Springfield",
                       "postalCode": f"{10000 + i % 89999}", "country": "US", "primary": True}],
        ENTERPRISE: {"employeeNumber": str(100000 + i), "department": DEPARTMENTS[i % len(DEPARTMENTS)],
                     "costCenter": f"CC{i % 97:03d}", "organization": "Example Corp"},
    }


def group_doc(member_ids: list[str]) -> dict:
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": "bench-big-group",
        "externalId": "bench-big-group-ext",
        "members": [{"value": m} for m in member_ids],
    }


def member_indexes(n: int) -> list[int]:
    """Which seed users are in the big group: BIG_GROUP_MEMBERS spread evenly (half the users if n is smaller,
    so that non-members remain for the add/remove scenario)."""
    k = min(BIG_GROUP_MEMBERS, n // 2)
    step = n / k
    return sorted({int(j * step) for j in range(k)})


def entra_patch(active: bool) -> dict:
    """Entra ID's PATCH of `active`: capitalised op, the boolean as a string (see shared/idp-traffic.md)."""
    return {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": str(active)}]}


def member_patch(add: bool, member_id: str) -> dict:
    if add:
        op = {"op": "Add", "path": "members", "value": [{"value": member_id}]}
    else:
        op = {"op": "Remove", "path": f'members[value eq "{member_id}"]'}
    return {"schemas": [PATCH_OP], "Operations": [op]}


def dumps(doc: object) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def quote(text: str) -> str:
    from urllib.parse import quote as _q

    return _q(text, safe="")


@dataclass
class Dataset:
    """What a seeded server holds: ids in seed order, the group and the users outside it."""

    user_ids: list[str]
    user_names: list[str]
    group_id: str
    nonmember_ids: list[str]

    def to_json(self) -> dict:
        return {"user_ids": self.user_ids, "user_names": self.user_names, "group_id": self.group_id,
                "nonmember_ids": self.nonmember_ids}


PATCH_USERS_CAP = 20000  # patch_active walks at most this many users (two passes: False, then True)
MEMBER_BLOCK = 64  # group_members adds 64 non-members, then removes the same 64 (more than the 16 in flight)
RANDOM_REQUESTS = 4096


def request_cycle(scenario: str, data: Dataset, prefix: str, n: int) -> list[tuple[str, str, str, bytes]]:
    """The requests of a scenario as a list whose endless repetition is valid: (method, path, query, body).

    Both load generators play it in order (wrk's Lua script starts each thread at its own offset): random
    users for the reads; for ``patch_active`` one pass over the users setting ``active`` to False and one
    setting it back to True, so every request changes the user; for ``group_members`` blocks of 64 adds of
    non-members followed by the 64 removes, so every request changes the group.
    """
    rng = random.Random(SEED)
    d, p = data, prefix
    if scenario == "get_user":
        return [("GET", f"{p}/Users/{rng.choice(d.user_ids)}", "", b"") for _ in range(RANDOM_REQUESTS)]
    if scenario == "filter_eq":
        return [("GET", f"{p}/Users", "filter=" + quote(f'userName eq "{rng.choice(d.user_names)}"'), b"")
                for _ in range(RANDOM_REQUESTS)]
    if scenario == "page_100":
        return [("GET", f"{p}/Users", f"startIndex={n // 2}&count=100", b"")]
    if scenario == "co_scan":
        return [("GET", f"{p}/Users", "filter=" + quote(f'userName co "{CO_TOKEN}"') + "&count=10", b"")]
    if scenario == "patch_active":
        users = d.user_ids[:PATCH_USERS_CAP]
        return [("PATCH", f"{p}/Users/{uid}", "", dumps(entra_patch(active)))
                for active in (False, True) for uid in users]
    if scenario == "group_members":
        out = []
        pool = d.nonmember_ids
        for start in range(0, max(len(pool) // MEMBER_BLOCK, 1) * MEMBER_BLOCK, MEMBER_BLOCK):
            block = pool[start : start + MEMBER_BLOCK]
            for add in (True, False):
                out += [("PATCH", f"{p}/Groups/{d.group_id}", "excludedAttributes=members",
                         dumps(member_patch(add, uid))) for uid in block]
        return out
    if scenario == "get_group":
        return [("GET", f"{p}/Groups/{d.group_id}", "excludedAttributes=members", b"")]
    raise ValueError(scenario)


def write_cycle(path: str, requests: list[tuple[str, str, str, bytes]]) -> None:
    """One request a line for scenario.lua: METHOD <tab> PATH[?QUERY] <tab> BODY."""
    with open(path, "w") as f:
        for method, target, query, body in requests:
            f.write(f"{method}\t{target}{'?' + query if query else ''}\t{body.decode()}\n")
