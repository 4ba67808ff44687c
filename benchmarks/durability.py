"""What SQLite's full durability costs a write: an Entra PATCH of ``active``, ``synchronous`` normal vs full.

    python benchmarks/durability.py                 # three runs of 1,000 PATCHes each, in-process
    python benchmarks/durability.py --runs 5 --requests 2000

Each run opens a new SQLite file (``?synchronous=normal`` or ``?synchronous=full``), creates 50 users and
PATCHes ``active`` off and on round by round, so that every request commits a change. Wall-clock
microseconds per request; the difference is the ``fsync`` of every commit, so it depends on the disk.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from scimcore import BearerTokens, ScimService
from scimcore.store.sql import SqlStore
from scimcore.transport import ScimRequest

TOKEN = "bench-durability-token-0123456789"
HEADERS = {"authorization": "Bearer " + TOKEN, "content-type": "application/scim+json"}
BASE = "http://127.0.0.1/scim/v2"


def one_run(level: str, requests: int) -> float:
    """Microseconds per PATCH on a new database at ``synchronous=level``."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStore(f"sqlite:///{tmp}/durability.db?synchronous={level}")
        service = ScimService(store, authenticator=BearerTokens([TOKEN]))
        ids = []
        for i in range(50):
            body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"u{i}"})
            reply = service.handle(ScimRequest("POST", "/Users", headers=HEADERS, body=body.encode(), base_url=BASE))
            ids.append(json.loads(reply.body)["id"])
        started = time.perf_counter()
        for k in range(requests):
            value = "False" if (k // 50) % 2 == 0 else "True"
            body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                               "Operations": [{"op": "Replace", "path": "active", "value": value}]})
            request = ScimRequest("PATCH", f"/Users/{ids[k % 50]}", headers=HEADERS, body=body.encode(), base_url=BASE)
            reply = service.handle(request)
            if reply.status != 200:
                raise SystemExit(f"PATCH answered {reply.status}: {reply.body[:200]!r}")
        elapsed = time.perf_counter() - started
        store.close()
    return elapsed / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"normal": [], "full": []}
    for _ in range(args.runs):
        for level in figures:  # interleaved, so that a busy moment of the machine touches both
            figures[level].append(one_run(level, args.requests))
    for level, runs in figures.items():
        print(f"synchronous={level}: median {statistics.median(runs):,.0f} µs per PATCH "
              f"(runs: {', '.join(f'{r:,.0f}' for r in runs)})")


if __name__ == "__main__":
    main()
