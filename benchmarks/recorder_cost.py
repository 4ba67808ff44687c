"""What the flight recorder costs a request: instructions per request with and without it, under callgrind.

    python benchmarks/recorder_cost.py                    # SQLite, GET by id and Entra PATCH
    python benchmarks/recorder_cost.py --store memory

The ASGI app (``ScimASGI``) is called in-process, one request at a time, as ``scimcore serve`` builds it,
with the recorder off and on (its default batch of 32; the batches are written in a worker thread, which
callgrind counts too).  Each run is made twice — seeding only, then seeding and ``--requests`` requests — and
the difference divided by ``--requests`` is one request's cost.  Instruction counts do not move with what
else the machine runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from instructions import callgrind_total  # this folder's callgrind runner

DRIVER = r"""
import asyncio, json, sys, tempfile
sys.path.insert(0, ".")
from scimcore.adapters.recorder import FlightRecorder
from scimcore.asgi import ScimASGI
from scimcore.auth import BearerTokens
from scimcore.service import ScimService
from scimcore.store.memory import MemoryStore

scenario, count, store_kind, record = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "on"
token = "bench-token-0123456789abcdef"
if store_kind == "sqlite":
    from scimcore.store.sql import SqlStore
    store = SqlStore(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
else:
    store = MemoryStore()
service = ScimService(store, authenticator=BearerTokens([token]))
app = ScimASGI(service, prefix="/scim/v2", recorder=FlightRecorder(store) if record else None, dispatch=False)
headers = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/scim+json"),
           (b"host", b"bench")]

async def call(method, path, body=b""):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": headers, "server": ("bench", 80), "client": ("127.0.0.1", 1)}
    sent = []
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    async def send(message):
        sent.append(message)
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

async def main():
    ids = []
    for i in range(50):
        user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"u{i}@example.com"}
        status, body = await call("POST", "/scim/v2/Users", json.dumps(user).encode())
        ids.append(json.loads(body)["id"])
    patch = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}).encode()
    for k in range(count):
        uid = ids[k % 50]
        if scenario == "get":
            status, _ = await call("GET", f"/scim/v2/Users/{uid}")
        else:
            status, _ = await call("PATCH", f"/scim/v2/Users/{uid}", patch)
        if status >= 300:
            raise SystemExit(f"{scenario}: HTTP {status}")
    if app.recorder is not None:
        await asyncio.gather(*list(app._flushes))
        app.recorder.flush()

asyncio.run(main())
"""


def collected(scenario: str, count: int, store: str, record: str, workdir: Path) -> int:
    """Total instructions of one driver run under callgrind."""
    driver = workdir / "driver.py"
    driver.write_text(DRIVER)
    out = workdir / f"callgrind.{scenario}.{count}.{record}"
    return callgrind_total(driver, [scenario, str(count), store, record], Path(__file__).resolve().parent.parent, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--scenario", choices=("get", "patch"), action="append")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    figures: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in args.scenario or ("get", "patch"):
            for record in ("off", "on"):
                base = collected(scenario, 0, args.store, record, Path(tmp))
                loaded = collected(scenario, args.requests, args.store, record, Path(tmp))
                figures.setdefault(scenario, {})[record] = round((loaded - base) / args.requests)
    for pair in figures.values():
        pair["change_percent"] = round(100 * (pair["on"] - pair["off"]) / pair["off"], 1)
    print(json.dumps({"store": args.store, "requests": args.requests, "instructions_per_request": figures}))


if __name__ == "__main__":
    main()
