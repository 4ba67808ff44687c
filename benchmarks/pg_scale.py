"""PostgreSQL at scale: 1,000,000 users and a 100,000-member group, measured in-process.

    python benchmarks/pg_scale.py [--users 1000000] [--members 100000] [--url postgresql://postgres@127.0.0.1/postgres]

Bulk-loads the data with COPY (not a million POSTs) into a scratch database, then times requests through
``ScimService.handle`` (no network): ``userName eq``, a member add/remove on the big group, a GET of that group
without members, and a page of 100 deep in the collection through a cursor.  Prints p50/p95 in milliseconds
next to the targets of the SQL-store issue.  The scratch database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from scimcore import ScimRequest, ScimService
from scimcore.service.queries import fingerprint
from scimcore.store.sql import SqlStore

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BASE = "http://bench/scim/v2"
HEADERS = {"content-type": "application/scim+json"}
RESULTS = Path(__file__).resolve().parent / "results"
TARGETS_MS = {"userName eq": 2.0, "member add/remove": 5.0, "GET group without members": 2.0, "cursor page": 10.0}


def load(url: str, users: int, members: int) -> tuple[list[str], str, float]:
    """Create the schema with SqlStore, then COPY users, the big group and its members."""
    SqlStore(url).close()
    meta = {"resourceType": "User", "created": "2026-01-01T00:00:00.000Z",
            "lastModified": "2026-01-01T00:00:00.000Z", "version": 'W/"1"'}
    ids: list[str] = []
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        with conn.cursor().copy(
            "COPY scim_resources (directory, resource_type, id, unique_value, external_id, version, created,"
            " last_modified, doc) FROM STDIN"
        ) as copy:
            for n in range(users):
                rid = str(uuid.UUID(int=n + 1))
                ids.append(rid)
                name = f"user{n:07d}@corp.local"
                doc = {"id": rid, "userName": name, "externalId": f"ext{n}", "active": True,
                       "name": {"givenName": "Given", "familyName": f"Family{n}"},
                       "emails": [{"value": name, "type": "work", "primary": True}], "meta": meta}
                copy.write_row(("default", "User", rid, name, f"ext{n}", 'W/"1"', meta["created"],
                                meta["lastModified"], json.dumps(doc)))
        group_id = str(uuid.uuid4())
        gmeta = {**meta, "resourceType": "Group"}
        group = {"id": group_id, "displayName": "Everyone", "meta": gmeta}
        conn.execute(
            "INSERT INTO scim_resources (directory, resource_type, id, unique_value, external_id, version, created,"
            " last_modified, doc) VALUES ('default', 'Group', %s, 'everyone', NULL, 'W/\"1\"', %s, %s, %s)",
            (group_id, meta["created"], meta["lastModified"], json.dumps(group)),
        )
        with conn.cursor().copy(
            "COPY scim_members (directory, group_type, group_id, member_id, member_type) FROM STDIN"
        ) as copy:
            for rid in ids[:members]:
                copy.write_row(("default", "Group", group_id, rid, "User"))
        conn.execute(
            "INSERT INTO scim_counts (directory, resource_type, n) VALUES ('default', 'User', %s),"
            " ('default', 'Group', 1)",
            (users,),
        )
        conn.commit()
        conn.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"loaded {users:,} users and a {members:,}-member group in {elapsed:.1f} s")
    return ids, group_id, elapsed


def timed(label: str, runs: int, request: Callable[[int], ScimRequest], service: ScimService) -> dict[str, Any]:
    """Run ``request(i)`` ``runs`` times through the service; return p50/p95 in ms."""
    for i in range(min(20, runs)):  # warm caches and the connection pool
        service.handle(request(i))
    samples = []
    for i in range(runs):
        req = request(i)
        start = time.perf_counter()
        response = service.handle(req)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status < 300, (label, response.status, response.body[:300])
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    target = TARGETS_MS[label]
    return {"scenario": label, "p50_ms": round(p50, 3), "p95_ms": round(p95, 3), "target_p50_ms": target,
            "met": p50 <= target}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    name = f"scimcore_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.url.rsplit('/', 1)[0]}/{name}"
    try:
        started = datetime.now(UTC).replace(microsecond=0)
        ids, group_id, load_seconds = load(url, args.users, args.members)
        store = SqlStore(url)
        service = ScimService(store, emit_events=False, anonymous=True)
        outsiders = ids[args.members : args.members + args.runs + 40]
        rng = random.Random(7)
        results = [
            timed("userName eq", args.runs, lambda i: ScimRequest(
                "GET", "/Users", f"filter=userName%20eq%20%22USER{rng.randrange(args.users):07d}@corp.local%22",
                HEADERS, b"", BASE), service),
            timed("member add/remove", args.runs, lambda i: ScimRequest(
                "PATCH", f"/Groups/{group_id}", "excludedAttributes=members", HEADERS, json.dumps({
                    "schemas": [PATCH_OP],
                    "Operations": [{"op": "add" if i % 2 == 0 else "remove", "path": "members",
                                    "value": [{"value": outsiders[i // 2]}]}],
                }).encode(), BASE), service),
            timed("GET group without members", args.runs, lambda i: ScimRequest(
                "GET", f"/Groups/{group_id}", "excludedAttributes=members", HEADERS, b"", BASE), service),
        ]
        rtype = service.registry.resource_type("User")
        params = {"cursor": "", "count": "100"}
        # A cursor positioned half-way through the collection, as a client holds after paging that far.
        half = store.search(rtype, store_query(args.users // 2)).next_after
        deep = service.cursors.issue(half or "", fingerprint(rtype, params))
        results.append(timed("cursor page", args.runs, lambda i: ScimRequest(
            "GET", "/Users", f"cursor={deep}&count=100", HEADERS, b"", BASE), service))
        store.close()
        print(f"\n{'scenario':<28}{'p50 ms':>10}{'p95 ms':>10}{'target p50':>12}  met")
        for row in results:
            print(f"{row['scenario']:<28}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['target_p50_ms']:>12}  "
                  f"{'yes' if row['met'] else 'NO'}")
        with psycopg.connect(url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        commit = subprocess.run(["git", "-C", str(RESULTS.parent.parent), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or "unknown"
        report = {"started": started.isoformat(), "commit": commit, "users": args.users, "members": args.members,
                  "runs": args.runs,
                  "load_seconds": round(load_seconds, 1), "server_version": row[0].split()[0] if row else None,
                  "results": results}
        out = RESULTS / f"{started.strftime('%Y%m%dT%H%M%SZ')}-pg.json"
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {out.relative_to(RESULTS.parent.parent)} (python benchmarks/run.py --docs-from RESULT_JSON "
              "rewrites docs/performance.md with it)")
    finally:
        if not args.keep:
            with psycopg.connect(args.url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def store_query(position: int) -> Any:
    """A keyset query whose next position lies ``position`` rows into the collection."""
    from scimcore.store.port import Query

    return Query(count=1, after=f"k:{position}")


if __name__ == "__main__":
    main()
