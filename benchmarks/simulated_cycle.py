"""How long a simulated identity-provider cycle takes in-process: 1,000 users and 50 groups, per vendor.

    python benchmarks/simulated_cycle.py                       # memory store, WSGI app, every vendor
    python benchmarks/simulated_cycle.py --store sqlite --users 1000 --groups 50
    python benchmarks/simulated_cycle.py --vendor entra --vendor entra-flag --app asgi

The test kit's simulators (:mod:`scimcore.testing.simulators`) drive scimcore's own app in-process (no
network): the vendor's connection test, then one ``sync`` with every user (a lookup, then a POST) and every
group (a lookup, a POST, then the member PATCHes in batches of 10). Each group has 20 members. Entra runs in
both dialects (``entra`` and ``entra-flag``, with ``aadOptscim062020``). Wall-clock seconds, so the figure
moves with what else the machine runs; it is printed with the number of requests, never asserted in a test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from typing import Any

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.testing.simulators import Entra, Group, JumpCloud, Okta, OneLogin, Simulator, User

TOKEN = "bench-simulator-token-0123456789"
VENDORS = ("entra", "entra-flag", "okta", "onelogin", "jumpcloud")


def _store(kind: str) -> Any:
    if kind == "sqlite":
        from scimcore.store.sql import SqlStore

        return SqlStore(f"sqlite:///{tempfile.mkdtemp()}/cycle.db")
    return MemoryStore()


def _app(kind: str, service: ScimService) -> Any:
    if kind == "asgi":
        from scimcore.asgi import ScimASGI

        return ScimASGI(service, prefix="/scim/v2", dispatch=False)
    from scimcore.wsgi import ScimWSGI

    return ScimWSGI(service, prefix="/scim/v2")


def _simulator(vendor: str, app: Any) -> Simulator:
    if vendor in ("entra", "entra-flag"):
        return Entra(app, token=TOKEN, flag=vendor == "entra-flag")
    return {"okta": Okta, "onelogin": OneLogin, "jumpcloud": JumpCloud}[vendor](app, token=TOKEN)


def cycle(vendor: str, store_kind: str, app_kind: str, users: int, groups: int) -> dict[str, Any]:
    """One initial cycle; its seconds, requests and whether the vendor would have accepted every answer."""
    service = ScimService(_store(store_kind), authenticator=BearerTokens([TOKEN]), emit_events=False)
    people = [User(f"user{n}@contoso.example") for n in range(users)]
    teams = [Group(f"Team {g}", members=[people[(g * 20 + k) % users] for k in range(20)]) for g in range(groups)]
    with _simulator(vendor, _app(app_kind, service)) as simulator:
        started = time.perf_counter()
        connected = simulator.test_connection()
        synced = simulator.sync(users=people, groups=teams)
        seconds = time.perf_counter() - started
    return {"vendor": vendor, "store": store_kind, "app": app_kind, "users": users, "groups": groups,
            "seconds": round(seconds, 2), "requests": len(connected.exchanges) + len(synced.exchanges),
            "accepted": connected.ok and synced.ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", choices=("memory", "sqlite"), default="memory")
    parser.add_argument("--app", choices=("wsgi", "asgi"), default="wsgi")
    parser.add_argument("--vendor", choices=VENDORS, action="append", help="repeatable; every vendor by default")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=50)
    args = parser.parse_args()
    for vendor in args.vendor or VENDORS:
        print(json.dumps(cycle(vendor, args.store, args.app, args.users, args.groups)), flush=True)


if __name__ == "__main__":
    main()
