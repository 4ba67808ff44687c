"""Crash safety: ``kill -9`` of ``scimcore serve`` under concurrent writers, on SQLite and on PostgreSQL.

Writers (threads, each with its own HTTP client) create users, add them to their group, set three
attributes of a user in one PATCH and delete older users, through a real ``scimcore serve`` on a directory
made with ``scimcore directories create`` (so every change writes events to the outbox).  Mid-load the
server gets SIGKILL; it is started again on the same database and the test holds that:

- every write the server acknowledged (a 2xx reached the client) is there: created users exist unless their
  deletion was sent, acknowledged deletions are gone, acknowledged member additions are members;
- no PATCH is half-applied: the three attributes one PATCH sets are all equal (or all absent), and no older
  than the last acknowledged PATCH;
- the outbox matches the data exactly: one ``user.created`` per user there is or was, a ``user.deleted`` for
  exactly the users that are gone, ``user.updated`` events equal to the user's version minus one, and for
  each membership ``group.user_added`` minus ``group.user_removed`` equal to one if it exists, else zero.

``SCIMCORE_CRASH_ROUNDS`` (default 1) runs more kill-and-restart rounds on the same database
(``nox -s crash`` runs 10).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("uvicorn")

from scimcore.store.sql import SqlStore  # noqa: E402
from tests.servers import free_port, scimcore_command, wait_listening  # noqa: E402

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
WRITERS = 6
ROUNDS = int(os.environ.get("SCIMCORE_CRASH_ROUNDS", "1"))


@contextmanager
def serving(database: str, log_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``scimcore serve`` on a free port until it answers; yields the process and the SCIM base URL."""
    port = free_port()
    with log_path.open("ab") as log:
        proc = subprocess.Popen([*scimcore_command(), "serve", "--database", database, "--port", str(port),
                                 "--token", "crash-default-token", "--log-level", "warning"],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}/scim/v2"
            wait_listening(port, lambda: proc.poll() is None, "scimcore serve", log_path)
            yield proc, base
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    created: set[str] = field(default_factory=set)  # acknowledged creates (user ids)
    delete_sent: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)  # acknowledged deletes
    marks_acked: dict[str, int] = field(default_factory=dict)  # user id -> last acknowledged PATCH mark
    marks_sent: dict[str, int] = field(default_factory=dict)  # user id -> last PATCH mark sent
    joined: set[tuple[str, str]] = field(default_factory=set)  # acknowledged (group, user) additions
    groups: set[str] = field(default_factory=set)
    unexpected: list[str] = field(default_factory=list)
    acknowledged: int = 0
    in_flight: int = 0  # requests the kill cut off after they reached the server

    def ack(self, kind: str, *items: Any) -> None:
        with self.lock:
            self.acknowledged += 1
            if kind == "create":
                self.created.add(items[0])
            elif kind == "delete":
                self.deleted.add(items[0])
            elif kind == "mark":
                self.marks_acked[items[0]] = max(self.marks_acked.get(items[0], 0), items[1])
            elif kind == "join":
                self.joined.add((items[0], items[1]))
            elif kind == "group":
                self.groups.add(items[0])


class Writer(threading.Thread):
    """Creates, joins, patches and deletes until the server goes away (or ``stop`` is set)."""

    def __init__(self, name: str, base: str, token: str, ledger: Ledger, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.label, self.base, self.ledger, self.stop = name, base, ledger, stop
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
        self.mark = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=20) as client:
            try:
                self.work(client)
            except httpx.ConnectError:
                return  # the server was gone before this request
            except httpx.TransportError:
                with self.ledger.lock:  # the server was killed under this request: its outcome is unknown
                    self.ledger.in_flight += 1

    def check(self, response: httpx.Response, *expected: int) -> bool:
        if response.status_code in expected:
            return True
        with self.ledger.lock:
            self.ledger.unexpected.append(f"{response.request.method} {response.request.url} -> "
                                          f"{response.status_code} {response.text[:200]}")
        return False

    def work(self, client: httpx.Client) -> None:
        group = client.post("/Groups", json={"schemas": [GROUP_SCHEMA], "displayName": f"{self.label}-group"})
        if not self.check(group, 201):
            return
        gid = group.json()["id"]
        self.ledger.ack("group", gid)
        mine: list[str] = []
        n = 0
        while not self.stop.is_set():
            n += 1
            user = client.post("/Users", json={"schemas": [USER_SCHEMA], "userName": f"{self.label}-{n}"})
            if not self.check(user, 201):
                return
            uid = user.json()["id"]
            self.ledger.ack("create", uid)
            mine.append(uid)
            join = {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]}
            if self.check(client.patch(f"/Groups/{gid}", json=join), 200, 204):
                self.ledger.ack("join", gid, uid)
            target = mine[n // 2 % len(mine)]
            if target in self.ledger.delete_sent:
                continue
            self.mark += 1
            value = f"m{self.mark}"
            ops = [{"op": "replace", "path": p, "value": value} for p in ("displayName", "title", "nickName")]
            with self.ledger.lock:
                self.ledger.marks_sent[target] = self.mark
            if self.check(client.patch(f"/Users/{target}", json={"schemas": [PATCH_OP], "Operations": ops}), 200):
                self.ledger.ack("mark", target, self.mark)
            if n % 3 == 0 and len(mine) > 2:
                victim = mine.pop(0)
                with self.ledger.lock:
                    self.ledger.delete_sent.add(victim)
                if self.check(client.delete(f"/Users/{victim}"), 204):
                    self.ledger.ack("delete", victim)


def _mark_number(value: str | None) -> int:
    return int(value[1:]) if value else 0


def verify(base: str, token: str, database: str, directory_id: str, ledger: Ledger) -> int:
    """Check data and outbox after a restart; return how many users were checked."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        users: dict[str, dict[str, Any]] = {}
        start = 1
        while True:
            page = client.get("/Users", params={"startIndex": start, "count": 1000}).json()
            users.update({u["id"]: u for u in page["Resources"]})
            start += page["itemsPerPage"]
            if not page["itemsPerPage"] or start > page["totalResults"]:
                break
        groups = {g["id"]: g for g in client.get("/Groups", params={"count": 1000}).json()["Resources"]}
    assert ledger.groups <= set(groups), "an acknowledged group is missing"

    for uid in ledger.created:
        if uid in ledger.deleted:
            assert uid not in users, f"acknowledged delete of {uid} was lost"
        elif uid not in ledger.delete_sent:
            assert uid in users, f"acknowledged create of {uid} was lost"
    for uid, user in users.items():
        values = {user.get(attr) for attr in ("displayName", "title", "nickName")}
        assert len(values) == 1, f"half-applied PATCH on {uid}: {values}"
        mark = _mark_number(values.pop())
        assert ledger.marks_acked.get(uid, 0) <= mark <= ledger.marks_sent.get(uid, 0), (uid, mark)
    members = {(gid, m["value"]) for gid, g in groups.items() for m in g.get("members") or []}
    for gid, uid in ledger.joined:
        if uid not in ledger.delete_sent:
            assert (gid, uid) in members, f"acknowledged member {uid} of {gid} was lost"

    store = SqlStore(database, migrate=False)
    try:
        events = [s.event for s in store.list_events(directory_id, limit=10_000_000)]
    finally:
        store.close()
    assert len({e.id for e in events}) == len(events), "an event id repeats"
    created = Counter(e.data["id"] for e in events if e.type == "user.created")
    deleted = Counter(e.data["id"] for e in events if e.type == "user.deleted")
    updated = Counter(e.data["id"] for e in events if e.type == "user.updated")
    last_update = {e.data["id"]: e.data for e in events if e.type == "user.updated"}
    for uid in set(created) | set(users) | ledger.created:
        assert created[uid] == 1, f"{uid}: {created[uid]} user.created events"
        assert deleted[uid] == (0 if uid in users else 1), f"{uid}: {deleted[uid]} user.deleted, present={uid in users}"
    for uid, user in users.items():
        version = int(user["meta"]["version"][3:-1])
        assert updated[uid] == version - 1, f"{uid} at version {version} has {updated[uid]} user.updated events"
        if uid in last_update:
            assert last_update[uid].get("title") == user.get("title"), f"{uid}: last event disagrees with data"
    net: Counter[tuple[str, str]] = Counter()
    for e in events:
        if e.type in ("group.user_added", "group.user_removed"):
            net[(e.data["group"]["id"], e.data["user"]["id"])] += 1 if e.type == "group.user_added" else -1
    for pair in set(net) | members:
        assert net[pair] == (1 if pair in members else 0), f"membership {pair}: events say {net[pair]}"
    return len(users)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crash.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_kill_9_under_concurrent_writers_loses_nothing_acknowledged(database: str, tmp_path: Path) -> None:
    """kill -9 mid-load, restart: every acknowledged write is kept, no PATCH half-applied, outbox equals data."""
    made = subprocess.run([*scimcore_command(), "directories", "create", "--database", database, "--name", "crash"],
                          capture_output=True, text=True, timeout=60, check=True)
    directory = json.loads(made.stdout)
    token, directory_id = directory["token"], directory["id"]
    log = tmp_path / "serve.log"
    ledger = Ledger()
    for round_ in range(ROUNDS):
        with serving(database, log) as (proc, base):
            stop = threading.Event()
            writers = [Writer(f"r{round_}w{i}", f"{base}/{directory_id}", token, ledger, stop) for i in range(WRITERS)]
            before, cut_before = ledger.acknowledged, ledger.in_flight
            for writer in writers:
                writer.start()
            started = time.monotonic()
            while ledger.acknowledged - before < 120 and time.monotonic() - started < 8:
                time.sleep(0.02)
            time.sleep(0.1)  # the kill lands while writes are in flight
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            stop.set()
            for writer in writers:
                writer.join(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            assert not ledger.unexpected, ledger.unexpected[:5]
            assert ledger.acknowledged - before >= 50, "too little load before the kill to prove anything"
            assert ledger.in_flight > cut_before, "the kill cut no request short"
        with serving(database, log) as (proc, base):
            checked = verify(f"{base}/{directory_id}", token, database, directory_id, ledger)
            assert checked > 0
            proc.send_signal(signal.SIGTERM)
