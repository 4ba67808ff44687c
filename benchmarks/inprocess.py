"""In-process measurement: call an ASGI app directly (no sockets, no HTTP parsing) and count requests/second.

    python inprocess.py scimcore --users 10000 --duration 3          # dev virtualenv
    python inprocess.py peer --users 10000 --duration 3              # the peer's virtualenv
    python inprocess.py ceiling --duration 3

Seeds the same users and group as the HTTP run (through the app itself), then runs each scenario in one
coroutine, one request after another, for ``--duration`` seconds (and at least ``--min-requests``), and prints
one JSON document on stdout.  What is measured is the app alone: the ASGI scope is built once per request by
the tiny driver below, which costs about a microsecond.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CONTENT_TYPE,
    PREFIX,
    SCENARIO_NAMES,
    TOKEN,
    Dataset,
    dumps,
    group_doc,
    member_indexes,
    request_cycle,
    user_doc,
    user_name,
)

HOST = b"127.0.0.1:8000"


def build(app_name: str, database: str | None):
    if app_name == "ceiling":
        from ceiling_app import app

        return app
    if app_name == "peer":
        from peer_app import build_app

        return build_app(TOKEN)
    # scimcore, built exactly as `scimcore serve` builds it (scimcore/cli.py)
    from scimcore.asgi import ScimASGI
    from scimcore.auth import BearerTokens
    from scimcore.cli import SCIM_PREFIX, open_store
    from scimcore.service import ScimService

    store = open_store(database or "memory")
    service = ScimService(store, authenticator=BearerTokens([TOKEN]))
    return ScimASGI(service, prefix=SCIM_PREFIX)


class Driver:
    """The smallest ASGI 3 client: one request in, (status, body) out."""

    def __init__(self, app) -> None:
        self.app = app
        self.auth = f"Bearer {TOKEN}".encode()

    async def call(self, method: str, path: str, query: str = "", body: bytes = b"") -> tuple[int, bytes]:
        headers = [(b"host", HOST), (b"authorization", self.auth), (b"accept", CONTENT_TYPE.encode())]
        if body:
            headers += [(b"content-type", CONTENT_TYPE.encode()), (b"content-length", str(len(body)).encode())]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        sent = False

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)  # a real server would wait for a disconnect
            return {"type": "http.disconnect"}

        status = 0
        chunks: list[bytes] = []

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def seed(driver: Driver, prefix: str, n: int) -> Dataset:
    ids: list[str] = []
    names: list[str] = []
    for i in range(n):
        status, body = await driver.call("POST", f"{prefix}/Users", body=dumps(user_doc(i, n)))
        if status != 201:
            raise SystemExit(f"seeding user {i} failed: {status} {body[:300]!r}")
        ids.append(json.loads(body)["id"])
        names.append(user_name(i, n))
    members = member_indexes(n)
    status, body = await driver.call("POST", f"{prefix}/Groups", body=dumps(group_doc([ids[i] for i in members])))
    if status != 201:
        raise SystemExit(f"seeding the group failed: {status} {body[:300]!r}")
    group_id = json.loads(body)["id"]
    member_set = set(members)
    nonmembers = [ids[i] for i in range(n) if i not in member_set]
    return Dataset(ids, names, group_id, nonmembers)


async def run_scenario(driver: Driver, cycle: list, duration: float, min_requests: int) -> dict:
    statuses: Counter[int] = Counter()
    requests = 0
    call = driver.call
    size = len(cycle)
    gc.collect()
    cpu0 = time.process_time()
    start = time.perf_counter()
    deadline = start + duration
    while True:
        method, path, query, body = cycle[requests % size]
        status, _ = await call(method, path, query, body)
        statuses[status] += 1
        requests += 1
        now = time.perf_counter()
        if now >= deadline and requests >= min_requests:
            break
    elapsed = now - start
    # Below 1.0 the process was not on a CPU all the time: something else on the machine took it.
    cpu_share = (time.process_time() - cpu0) / elapsed
    return {"requests": requests, "seconds": round(elapsed, 4), "rps": round(requests / elapsed, 2),
            "cpu_share": round(cpu_share, 3),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}


async def main_async(args) -> dict:
    app = build(args.app, args.database)
    driver = Driver(app)
    key = "scimcore-sqlite" if args.database and args.database != "memory" else args.app
    prefix = PREFIX[key]
    scenarios = args.only or list(SCENARIO_NAMES)
    t0 = time.perf_counter()
    if args.app == "ceiling":
        data = Dataset(["x"], ["x"], "g", ["y"])
    else:
        data = await seed(driver, prefix, args.users)
    seed_seconds = time.perf_counter() - t0
    results = {}
    for name in scenarios:
        cycle = request_cycle(name, data, prefix, args.users)
        runs = [await run_scenario(driver, cycle, args.duration, args.min_requests) for _ in range(args.repeat)]
        runs.sort(key=lambda r: r["rps"])
        results[name] = {**runs[len(runs) // 2], "all_rps": [r["rps"] for r in runs]}
        print(f"  in-process {key:16s} {name:14s} {results[name]['rps']:>10.1f} req/s "
              f"cpu share {results[name]['cpu_share']:.2f} {results[name]['statuses']}", file=sys.stderr, flush=True)
    return {"app": key, "users": args.users, "seed_seconds": round(seed_seconds, 2), "scenarios": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=["scimcore", "peer", "ceiling"])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--min-requests", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario; the median is reported")
    parser.add_argument("--database", default=None, help="scimcore only: memory (default) or sqlite:///path")
    parser.add_argument("--only", action="append", choices=SCENARIO_NAMES)
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
