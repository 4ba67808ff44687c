"""Instructions per request, counted by callgrind: a figure that a busy machine does not move.

    python benchmarks/instructions.py                      # this checkout, every scenario
    python benchmarks/instructions.py --scenario patch     # one scenario
    python benchmarks/instructions.py --tree ../old        # another checkout, e.g. `git worktree add ../old REV`
    python benchmarks/instructions.py --store sqlite       # the SQLite store, on a file in a temporary directory
    python benchmarks/instructions.py --store mapped       # the mapped store over examples/own_tables_sqlalchemy.py

Each scenario runs twice under ``valgrind --tool=callgrind`` on the memory store (or, with ``--store sqlite``, the
SQL store on a fresh SQLite file, seeded the same way; with ``--store mapped``, the mapped store of
``examples/own_tables_sqlalchemy.py`` on a fresh SQLite file, its rows in the example's ``accounts`` tables), in-process
(``ScimService.handle``, no adapter, no network, ``PYTHONHASHSEED=0``): once seeding only, once seeding and then
``--requests`` requests. The difference divided by ``--requests`` is the cost of one request, without start-up and
seeding. Wall-clock rates change with what else the machine runs; these counts are the same run after run, so a
before/after comparison of two commits holds even on a shared machine.
Comparing two trees uses this interpreter for both.

Scenarios: ``get`` (``GET /Users/{id}``), ``eq`` (a ``userName eq`` filter), ``patch`` (Entra's PATCH of
``active`` to ``"False"``: a write for each user's first request, an unchanged resource after), ``write`` (the
same PATCH turning ``active`` off and on, round by round, so that every request writes), ``group`` (``GET
/Groups/{id}?excludedAttributes=members``), ``create`` (``POST /Users`` of a new user), ``members`` (a PATCH
adding one user to a 10-member group, then one removing it, answered with the group).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

SCENARIOS = ("get", "eq", "patch", "write", "group", "create", "members")
STORES = ("memory", "sqlite", "mapped")
TOKEN = "bench-token-0123456789abcdef"

DRIVER = r"""
import json, sys
sys.path.insert(0, ".")
from scimcore.auth import BearerTokens
from scimcore.service import ScimService
from scimcore.transport import ScimRequest

scenario, count, token, kind, workdir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
headers = {"authorization": "Bearer " + token, "content-type": "application/scim+json"}
base = "http://127.0.0.1/scim/v2"
if kind == "sqlite":
    from scimcore.store.sql import SqlStore
    store = SqlStore(f"sqlite:///{workdir}/bench-{scenario}-{count}.db")
elif kind == "mapped":
    import os
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench-mapped-{scenario}-{count}.db"
    from examples.own_tables_sqlalchemy import store
else:
    from scimcore.store.memory import MemoryStore
    store = MemoryStore()
service = ScimService(store, authenticator=BearerTokens([token]))
ids = []
for i in range(50):
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"u{i}@example.com",
            "active": True, "emails": [{"value": f"u{i}@example.com", "primary": True, "type": "work"}]}
    body = json.dumps(user).encode()
    reply = service.handle(ScimRequest("POST", "/Users", headers=headers, body=body, base_url=base))
    ids.append(json.loads(reply.body)["id"])
groups = []
if scenario in ("group", "members"):
    for g in range(5):
        group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"g{g}",
                 "members": [{"value": uid} for uid in ids[g * 10 : g * 10 + 10]]}
        body = json.dumps(group).encode()
        reply = service.handle(ScimRequest("POST", "/Groups", headers=headers, body=body, base_url=base))
        groups.append(json.loads(reply.body)["id"])
patch = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}).encode()
enable = patch.replace(b'"False"', b'"True"')
for k in range(count):
    uid = ids[k % 50]
    if scenario == "get":
        request = ScimRequest("GET", f"/Users/{uid}", headers=headers, base_url=base)
    elif scenario == "eq":
        query = f"filter=userName%20eq%20%22u{k % 50}@example.com%22"
        request = ScimRequest("GET", "/Users", query=query, headers=headers, base_url=base)
    elif scenario == "group":
        query = "excludedAttributes=members"
        request = ScimRequest("GET", f"/Groups/{groups[k % 5]}", query=query, headers=headers, base_url=base)
    elif scenario == "create":
        user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"new{k}@example.com",
                "active": True, "emails": [{"value": f"new{k}@example.com", "primary": True, "type": "work"}]}
        request = ScimRequest("POST", "/Users", headers=headers, body=json.dumps(user).encode(), base_url=base)
    elif scenario == "members":  # the user after the group's ten joins, then leaves, round by round
        gid, member = groups[k % 5], ids[((k % 5) * 10 + 10) % 50]
        if (k // 5) % 2 == 0:
            op = {"op": "add", "path": "members", "value": [{"value": member}]}
        else:
            op = {"op": "remove", "path": f'members[value eq "{member}"]'}
        body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]})
        request = ScimRequest("PATCH", f"/Groups/{gid}", headers=headers, body=body.encode(), base_url=base)
    elif scenario == "write":  # every request changes the user: active goes false, then true, round by round
        body = patch if (k // 50) % 2 == 0 else enable
        request = ScimRequest("PATCH", f"/Users/{uid}", headers=headers, body=body, base_url=base)
    else:
        request = ScimRequest("PATCH", f"/Users/{uid}", headers=headers, body=patch, base_url=base)
    reply = service.handle(request)
    if reply.status >= 300:
        raise SystemExit(f"{scenario}: HTTP {reply.status} {reply.body[:200]!r}")
"""


def callgrind_total(driver: Path, args: list[str], cwd: Path, out: Path) -> int:
    """Total instructions of ``python driver args...`` under callgrind, with ``PYTHONHASHSEED=0``."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(driver), *args],
        cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"callgrind failed for {' '.join(args)}:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def collected(tree: Path, scenario: str, count: int, workdir: Path, store: str = "memory") -> int:
    """Total instructions of one driver run under callgrind."""
    driver = workdir / "driver.py"
    driver.write_text(DRIVER)
    out = workdir / f"callgrind.{store}.{scenario}.{count}"
    return callgrind_total(driver, [scenario, str(count), TOKEN, store, str(workdir)], tree, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--scenario", choices=SCENARIOS, action="append")
    parser.add_argument("--store", choices=STORES, default="memory")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    figures: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in args.scenario or SCENARIOS:
            base = collected(args.tree, scenario, 0, Path(tmp), args.store)
            loaded = collected(args.tree, scenario, args.requests, Path(tmp), args.store)
            figures[scenario] = round((loaded - base) / args.requests)
    print(json.dumps({"tree": str(args.tree), "store": args.store, "requests": args.requests,
                      "instructions_per_request": figures}))


if __name__ == "__main__":
    main()
