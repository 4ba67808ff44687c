"""How long a simulated identity-provider cycle takes in-process: Entra's initial cycle of 1,000 users and 50 groups.

    python benchmarks/simulated_cycle.py                       # memory store, WSGI app, both Entra dialects
    python benchmarks/simulated_cycle.py --store sqlite --users 1000 --groups 50

The test kit's :class:`~scimcore.testing.simulators.Entra` drives scimcore's own app in-process (no network):
Test Connection, then one ``sync`` with every user (a lookup, then a POST) and every group (a lookup, a POST,
then the member PATCHes in batches of 10). Each group has 20 members. Wall-clock seconds, so the figure moves
with what else the machine runs; it is printed with the number of requests, never asserted in a test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from typing import Any

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.testing.simulators import Entra, Group, User
from scimcore.wsgi import ScimWSGI

TOKEN = "bench-simulator-token-0123456789"


def _store(kind: str) -> Any:
    if kind == "sqlite":
        from scimcore.store.sql import SqlStore

        return SqlStore(f"sqlite:///{tempfile.mkdtemp()}/cycle.db")
    return MemoryStore()


def cycle(store_kind: str, users: int, groups: int, flag: bool) -> dict[str, Any]:
    """One initial cycle; its seconds, requests and whether Entra would have accepted every answer."""
    service = ScimService(_store(store_kind), authenticator=BearerTokens([TOKEN]), emit_events=False)
    app = ScimWSGI(service, prefix="/scim/v2")
    people = [User(f"user{n}@contoso.example") for n in range(users)]
    teams = [Group(f"Team {g}", members=[people[(g * 20 + k) % users] for k in range(20)]) for g in range(groups)]
    entra = Entra(app, token=TOKEN, flag=flag)
    started = time.perf_counter()
    connected = entra.test_connection()
    synced = entra.sync(users=people, groups=teams)
    seconds = time.perf_counter() - started
    return {"store": store_kind, "flag": flag, "users": users, "groups": groups, "seconds": round(seconds, 2),
            "requests": len(connected.exchanges) + len(synced.exchanges),
            "accepted": connected.ok and synced.ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("memory", "sqlite"), default="memory")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=50)
    args = parser.parse_args()
    for flag in (False, True):
        print(json.dumps(cycle(args.store, args.users, args.groups, flag)))


if __name__ == "__main__":
    main()
