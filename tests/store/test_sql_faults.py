"""Database faults through the SQL store: a full disk answers 507, an unreachable or locked database 503.

Each fault is made deterministically, then sent through :meth:`ScimService.handle` (and, for the header, the
ASGI and WSGI adapters and a real ``scimcore serve``):

- SQLite full: ``PRAGMA max_page_count`` pinned to the file's current size on every checkout, so the next
  page a write needs fails with ``SQLITE_FULL``; raising it again is "space freed".
- SQLite locked: another connection holds ``BEGIN EXCLUSIVE`` past a 0.2 s busy timeout.
- PostgreSQL unreachable: an engine pointed at a free port where nothing listens, or the store reaching the
  server through a loopback TCP relay (:class:`Relay`) that the test stops (refusing new connections and
  dropping the open ones) and starts again — a database restart without touching the shared server.
- PostgreSQL connections killed: ``pg_terminate_backend`` from a second connection, on idle pooled
  connections (``pool_pre_ping`` replaces them) and on one waiting inside a write (503).
- PostgreSQL disk full: a trigger raising SQLSTATE 53100 ``disk_full`` on every row written.

Every answer holds the promises of docs/reliability.md: never a 500, a SCIM Error body, ``Retry-After`` on a
503, reads served through a full disk, nothing acknowledged lost, writes back once the fault is gone.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from scimcore import ScimService  # noqa: E402
from scimcore.directories import Directory  # noqa: E402
from scimcore.dispatch import DispatchConfig, Dispatcher  # noqa: E402
from scimcore.errors import ServiceUnavailable  # noqa: E402
from scimcore.events import Event  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402
from scimcore.store.sql.faults import RETRY_AFTER_SECONDS  # noqa: E402
from scimcore.testing import USER, user_doc  # noqa: E402
from tests.conftest import USER_SCHEMA, Client, Result, StepClock  # noqa: E402
from tests.servers import free_port  # noqa: E402

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
BUSY_TIMEOUT = 0.2  # seconds a SQLite writer waits for the lock before its request answers 503


def scim_error(result: Result, status: int) -> dict[str, Any]:
    """The SCIM Error body of ``result``, asserting its status (RFC 7644 §3.12)."""
    assert result.status == status, (result.status, result.json)
    assert result.header("Content-Type") == "application/scim+json"
    body: dict[str, Any] = result.json
    assert body["schemas"] == [ERROR] and body["status"] == str(status) and body["detail"]
    return body


def unavailable(result: Result) -> None:
    """503 with ``Retry-After`` in whole seconds and a SCIM Error body."""
    scim_error(result, 503)
    assert result.header("Retry-After") == str(RETRY_AFTER_SECONDS)


def client_of(store: SqlStore) -> Client:
    return Client(ScimService(store, clock=StepClock(), anonymous=True), token=None)


def new_user(client: Client, user_name: str, **attrs: Any) -> Result:
    return client.post("/Users", {"schemas": [USER_SCHEMA], "userName": user_name, **attrs})


def user_names(client: Client) -> set[str]:
    page = client.get("/Users", query="count=1000&attributes=userName")
    assert page.status == 200, page.json
    return {r["userName"] for r in page.json.get("Resources", [])}


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


# -- SQLite: a full disk ---------------------------------------------------------------------------------


class PageLimit:
    """``PRAGMA max_page_count`` on every checkout of ``store``'s connections: ``None`` lifts the limit."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.pages: int | None = None
        event.listen(store.engine, "checkout", self._apply)

    def _apply(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA max_page_count={self.pages or 1073741823}")
        cursor.close()

    def fill(self) -> None:
        """The disk is full: no page beyond the file's current size."""
        with self.store.engine.connect() as conn:
            self.pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())

    def free(self) -> None:
        self.pages = None


def test_sqlite_full_disk_answers_507_keeps_reads_and_acknowledged_writes(tmp_path: Path) -> None:
    """A POST that needs a page SQLite cannot have is a 507 SCIM error; reads, old data and later writes hold."""
    store = SqlStore(f"sqlite:///{tmp_path / 'full.db'}")
    limit = PageLimit(store)
    client = client_of(store)
    try:
        acknowledged = {new_user(client, f"before{n}").json["userName"] for n in range(3)}
        first = client.get("/Users", query="filter=userName%20eq%20%22before0%22").json["Resources"][0]
        events_before = len(store.list_events("default", limit=1000))
        limit.fill()
        # Each user takes room; within a few the file must grow, and SQLite refuses the page.
        answers = [new_user(client, f"big{n}", displayName="x" * 4000) for n in range(20)]
        refused = [a for a in answers if a.status != 201]
        assert refused, "the page limit never refused a write"
        for answer in refused:
            scim_error(answer, 507)
        acknowledged |= {a.json["userName"] for a in answers if a.status == 201}
        # The server stays up and reads still work, by id and by list.
        assert client.get(f"/Users/{first['id']}").status == 200
        assert user_names(client) == acknowledged
        # A refused write stored nothing: no resource, no event.
        created_events = len(store.list_events("default", limit=1000)) - events_before
        assert created_events == len(acknowledged) - 3
        limit.free()
        assert new_user(client, "after", displayName="x" * 4000).status == 201
        assert user_names(client) == acknowledged | {"after"}
    finally:
        store.close()


# -- SQLite: locked past its busy timeout ----------------------------------------------------------------


def sqlite_store(path: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT})


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Another connection holding SQLite's write lock (``BEGIN EXCLUSIVE``) until the block ends."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
        holder.execute("COMMIT")
    finally:
        holder.close()


def test_sqlite_locked_past_its_busy_timeout_answers_503(tmp_path: Path) -> None:
    """A write waiting longer than the busy timeout answers 503 with Retry-After; reads go on (WAL)."""
    path = tmp_path / "locked.db"
    store = sqlite_store(path)
    client = client_of(store)
    try:
        assert new_user(client, "alice").status == 201
        with exclusive_lock(path):
            started = time.monotonic()
            unavailable(new_user(client, "bob"))
            assert time.monotonic() - started < 10  # the configured timeout, not the default 30 s
            assert user_names(client) == {"alice"}
        assert new_user(client, "bob").status == 201
        assert user_names(client) == {"alice", "bob"}
    finally:
        store.close()


def test_retry_after_reaches_the_wire_through_asgi_and_wsgi(tmp_path: Path) -> None:
    """The 503's Retry-After and SCIM body come out of both adapters, from the one error response."""
    httpx = pytest.importorskip("httpx")
    from scimcore.adapters.asgi import ScimASGI
    from scimcore.adapters.wsgi import ScimWSGI

    path = tmp_path / "adapters.db"
    store = sqlite_store(path)
    service = ScimService(store, clock=StepClock(), anonymous=True)
    body = {"schemas": [USER_SCHEMA], "userName": "carol"}

    async def through_asgi() -> Any:
        transport = httpx.ASGITransport(app=ScimASGI(service))
        async with httpx.AsyncClient(transport=transport, base_url="http://scim.test") as http:
            return await http.post("/Users", json=body, headers={"Content-Type": "application/scim+json"})

    try:
        wsgi = httpx.WSGITransport(app=ScimWSGI(service))
        with exclusive_lock(path):
            with httpx.Client(transport=wsgi, base_url="http://scim.test") as http:
                answers = [http.post("/Users", json=body, headers={"Content-Type": "application/scim+json"})]
            answers.append(asyncio.run(through_asgi()))
        for answer in answers:
            assert answer.status_code == 503
            assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert answer.headers["Content-Type"] == "application/scim+json"
            assert answer.json()["schemas"] == [ERROR] and answer.json()["status"] == "503"
    finally:
        store.close()


# -- the dispatcher through an outage --------------------------------------------------------------------


class Receiver:
    """An httpx-like client that accepts every delivery."""

    def __init__(self) -> None:
        self.posts: list[str] = []

    async def post(self, url: str, **_kw: Any) -> Any:
        self.posts.append(url)
        return type("Answer", (), {"status_code": 204})()


class CountingOutbox:
    """``store`` as the dispatcher's outbox, counting the claims that failed."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.failed_claims = 0

    def claim_events(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.store.claim_events(*args, **kwargs)
        except Exception:
            self.failed_claims += 1
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def dispatcher_survives(store: SqlStore, outage: Callable[[], AbstractContextManager[Any]]) -> None:
    """During ``outage`` every claim fails and the dispatcher keeps running; after it, the event is delivered."""
    store.save_directory(Directory(id="d1", name="D1", created="2026-01-01T00:00:00Z",
                                   webhook_url="http://127.0.0.1:9/hook"))
    event = Event("e1", "user.created", "d1", "2026-01-01T00:00:00Z", {}, "u1")
    store.create(USER, user_doc("u1", "user1"), directory="d1", events=[event])
    outbox, receiver = CountingOutbox(store), Receiver()

    async def scenario() -> None:
        dispatcher = Dispatcher(outbox, store, config=DispatchConfig(poll_seconds=0.02), client=receiver)
        running = asyncio.create_task(dispatcher.run())
        try:
            with outage():
                for _ in range(500):  # bounded: until a few claims have failed
                    if outbox.failed_claims >= 3:
                        break
                    await asyncio.sleep(0.02)
                assert outbox.failed_claims >= 3 and not running.done() and not receiver.posts
            for _ in range(500):
                if receiver.posts:
                    break
                await asyncio.sleep(0.02)
            assert not running.done()
        finally:
            dispatcher.stop()
            await asyncio.wait_for(running, timeout=10)

    asyncio.run(scenario())
    assert receiver.posts == ["http://127.0.0.1:9/hook"]
    wait_for(lambda: [e.status for e in store.list_events("d1")] == ["delivered"], "the event to be delivered")


def test_the_dispatcher_survives_a_locked_sqlite_database(tmp_path: Path) -> None:
    """A dispatcher whose claims fail (503) while SQLite is locked keeps polling and delivers afterwards."""
    path = tmp_path / "dispatch.db"
    store = sqlite_store(path)
    try:
        dispatcher_survives(store, lambda: exclusive_lock(path))
    finally:
        store.close()


class FailingOnce:
    """``store`` as the dispatcher's directories, whose first look-up fails as an unreachable database does."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.failures = 0

    def get_directory(self, directory_id: str) -> Directory | None:
        if not self.failures:
            self.failures += 1
            raise ServiceUnavailable("The database is unavailable.", retry_after=RETRY_AFTER_SECONDS)
        return self.store.get_directory(directory_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_delivery_round_survives_a_failed_directory_look_up(tmp_path: Path) -> None:
    """The directory look-up failing after a claim costs that round only; the lease runs out, then it delivers."""
    store = sqlite_store(tmp_path / "lookup.db")
    store.save_directory(Directory(id="d1", name="D1", created="2026-01-01T00:00:00Z",
                                   webhook_url="http://127.0.0.1:9/hook"))
    store.create(USER, user_doc("u1", "user1"), directory="d1",
                 events=[Event("e1", "user.created", "d1", "2026-01-01T00:00:00Z", {}, "u1")])
    now = [2_000_000_000.0]
    receiver, directories = Receiver(), FailingOnce(store)
    dispatcher = Dispatcher(store, directories, config=DispatchConfig(lease_seconds=60), clock=lambda: now[0],
                            client=receiver)
    try:
        assert asyncio.run(dispatcher.deliver_due()) == 1  # claimed; the look-up failed; nothing raised
        assert directories.failures == 1 and not receiver.posts
        assert [e.status for e in store.list_events("d1")] == ["pending"]
        now[0] += 61  # the lease has run out
        assert asyncio.run(dispatcher.deliver_due()) == 1
        assert receiver.posts == ["http://127.0.0.1:9/hook"]
        assert [e.status for e in store.list_events("d1")] == ["delivered"]
    finally:
        store.close()


# -- PostgreSQL ------------------------------------------------------------------------------------------


class Relay:
    """A loopback TCP relay to PostgreSQL: :meth:`stop` refuses new connections and drops the open ones."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._running: threading.Event | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        running = threading.Event()
        running.set()
        self._running = running
        threading.Thread(target=self._accept, args=(listener, running), daemon=True).start()

    def stop(self) -> None:
        """Nothing listens any more and every relayed connection is cut, as when the server goes down."""
        if self._running is not None:
            self._running.clear()
            self._running = None
        wait_for(self._refused, "the relay's port to refuse connections")
        with self._lock:
            cut, self._sockets = self._sockets, []
        for sock in cut:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    @contextmanager
    def down(self) -> Iterator[None]:
        self.stop()
        try:
            yield
        finally:
            self.start()

    def _refused(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return True
        return False

    def _accept(self, listener: socket.socket, running: threading.Event) -> None:
        with listener:
            while running.is_set():
                try:
                    downstream, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                downstream.settimeout(None)
                try:
                    upstream = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    downstream.close()
                    continue
                upstream.settimeout(None)
                with self._lock:
                    if not running.is_set():
                        downstream.close()
                        upstream.close()
                        return
                    self._sockets += [downstream, upstream]
                for src, dst in ((downstream, upstream), (upstream, downstream)):
                    threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def app_url(postgres_url: str) -> tuple[str, str]:
    """The test's PostgreSQL URL with an ``application_name`` of its own, and that name."""
    name = f"scimcore_faults_{uuid.uuid4().hex[:8]}"
    return f"{postgres_url}&application_name={name}", name


@pytest.fixture
def relay(postgres_url: str) -> Iterator[Relay]:
    url = make_url(postgres_url)
    relay = Relay((url.host or "127.0.0.1", url.port or 5432))
    relay.start()
    yield relay
    relay.stop()


def relayed(url: str, relay: Relay) -> str:
    """``url`` reaching PostgreSQL through ``relay``."""
    return make_url(url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)


def admin(url: str) -> Any:
    """A second, autocommit connection to the test's database (psycopg)."""
    import psycopg

    plain = make_url(url).set(drivername="postgresql", query={})
    return psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True)


def terminate(conn: Any, application_name: str, where: str = "true") -> int:
    rows = conn.execute(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s AND {where}",
        (application_name,),
    ).fetchall()
    return len(rows)


def test_postgresql_that_nothing_listens_for_answers_503(postgres_url: str) -> None:
    """A store whose server refuses connections answers 503 with Retry-After to reads and writes alike."""
    url = make_url(postgres_url).set(port=free_port()).render_as_string(hide_password=False)
    store = SqlStore(url, migrate=False)
    client = client_of(store)
    try:
        unavailable(new_user(client, "alice"))
        unavailable(client.get("/Users"))
        unavailable(client.get("/Users/anything"))
    finally:
        store.close()


def test_opening_an_unreachable_postgresql_keeps_the_driver_error(postgres_url: str) -> None:
    """Opening (and migrating) raises the driver's OperationalError, which the CLI turns into its message."""
    from sqlalchemy.exc import OperationalError

    url = make_url(postgres_url).set(port=free_port()).render_as_string(hide_password=False)
    with pytest.raises(OperationalError):
        SqlStore(url)


def test_a_postgresql_outage_answers_503_then_recovers(postgres_url: str, relay: Relay) -> None:
    """While the server is away every request is a 503 with Retry-After; once it is back, all is there."""
    store = SqlStore(relayed(postgres_url, relay))
    client = client_of(store)
    try:
        alice = new_user(client, "alice").json
        with relay.down():
            unavailable(new_user(client, "bob"))
            unavailable(client.get(f"/Users/{alice['id']}"))
            unavailable(client.patch(f"/Users/{alice['id']}", [{"op": "replace", "path": "displayName", "value": "A"}]))
        assert client.get(f"/Users/{alice['id']}").status == 200
        assert new_user(client, "bob").status == 201
        assert user_names(client) == {"alice", "bob"}
    finally:
        store.close()


def test_killed_idle_connections_are_replaced_not_answered_500(app_url: tuple[str, str]) -> None:
    """``pg_terminate_backend`` on the pooled connections: pre-ping replaces them, the next requests succeed."""
    url, name = app_url
    store = SqlStore(url)
    client = client_of(store)
    killer = admin(url)
    try:
        for n in range(3):
            assert new_user(client, f"u{n}").status == 201
        assert terminate(killer, name) >= 1
        assert user_names(client) == {"u0", "u1", "u2"}
        assert new_user(client, "u3").status == 201
    finally:
        killer.close()
        store.close()


def test_a_connection_killed_inside_a_write_answers_503(app_url: tuple[str, str]) -> None:
    """A PUT whose backend is terminated while it waits for a row lock answers 503, changes nothing, recovers."""
    url, name = app_url
    store = SqlStore(url)
    client = client_of(store)
    holder, killer = admin(url), admin(url)
    try:
        alice = new_user(client, "alice", displayName="before").json
        put = {"schemas": [USER_SCHEMA], "userName": "alice", "displayName": "after"}
        search_path = make_url(url).query["options"]
        schema = str(search_path).split("=", 1)[1]
        holder.execute("BEGIN")
        holder.execute(f'SELECT 1 FROM "{schema}".scim_resources WHERE id = %s FOR UPDATE', (alice["id"],))
        answers: list[Result] = []
        writer = threading.Thread(target=lambda: answers.append(client.put(f"/Users/{alice['id']}", put)))
        writer.start()
        wait_for(lambda: terminate(killer, name, "wait_event_type = 'Lock'") == 1, "the PUT to wait for the lock")
        writer.join(timeout=30)
        holder.execute("ROLLBACK")
        assert len(answers) == 1
        unavailable(answers[0])
        assert client.get(f"/Users/{alice['id']}").json["displayName"] == "before"
        assert client.put(f"/Users/{alice['id']}", put).status == 200
        assert client.get(f"/Users/{alice['id']}").json["displayName"] == "after"
    finally:
        holder.close()
        killer.close()
        store.close()


def test_an_outage_under_four_writers_answers_503_never_500(postgres_url: str, relay: Relay) -> None:
    """Four writers through a one-second outage: every answer is 201 or 503, every 201 is there afterwards."""
    store = SqlStore(relayed(postgres_url, relay), pool_size=4)
    client = client_of(store)
    outage_over = threading.Event()
    answers: list[tuple[str, Result]] = []
    lock = threading.Lock()

    def writer(name: str) -> None:
        successes_after = 0
        deadline = time.monotonic() + 30
        for n in range(2000):  # bounded in count and in time
            if successes_after >= 3 or time.monotonic() > deadline:
                return
            user_name = f"{name}-{n}"
            result = new_user(client, user_name)
            with lock:
                answers.append((user_name, result))
            if outage_over.is_set() and result.status == 201:
                successes_after += 1
            if result.status != 201:
                time.sleep(0.01)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        wait_for(lambda: len(answers) >= 8, "the writers to start")
        with relay.down():
            time.sleep(1.0)
        outage_over.set()
        for thread in threads:
            thread.join(timeout=60)
        statuses = {result.status for _, result in answers}
        assert statuses <= {201, 503}, statuses
        refused = [result for _, result in answers if result.status == 503]
        assert refused, "no request fell in the outage"
        for result in refused:
            unavailable(result)
        acknowledged = {user_name for user_name, result in answers if result.status == 201}
        assert acknowledged <= user_names(client)
    finally:
        outage_over.set()
        store.close()


def test_postgresql_disk_full_answers_507_and_recovers(postgres_url: str) -> None:
    """SQLSTATE 53100 on every row written: POST and PATCH are 507, reads and old data hold, then writes resume."""
    store = SqlStore(postgres_url)
    client = client_of(store)
    try:
        alice = new_user(client, "alice").json
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
                "END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON scim_resources "
                "FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )
        scim_error(new_user(client, "bob"), 507)
        scim_error(client.patch(f"/Users/{alice['id']}", [{"op": "replace", "path": "displayName", "value": "A"}]), 507)
        assert client.get(f"/Users/{alice['id']}").status == 200
        assert user_names(client) == {"alice"}
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER disk_full ON scim_resources")
        assert new_user(client, "bob").status == 201
        assert user_names(client) == {"alice", "bob"}
    finally:
        store.close()


def test_the_dispatcher_survives_a_postgresql_outage(postgres_url: str, relay: Relay) -> None:
    """A dispatcher whose database goes away keeps polling and delivers once it is back."""
    store = SqlStore(relayed(postgres_url, relay))
    try:
        dispatcher_survives(store, relay.down)
    finally:
        store.close()


def test_serve_answers_503_with_retry_after_while_postgresql_is_down(
    postgres_url: str, relay: Relay, tmp_path: Path
) -> None:
    """A real ``scimcore serve`` on PostgreSQL answers 503 with Retry-After in the outage, 201 after it."""
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("uvicorn")
    from tests.servers import serving

    token = "faults-token"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    args = ["--database", relayed(postgres_url, relay), "--token", token, "--log-level", "warning"]
    with serving(args, tmp_path / "serve.log") as base, httpx.Client(base_url=base, headers=headers) as http:
        assert http.post("/Users", json={"schemas": [USER_SCHEMA], "userName": "alice"}).status_code == 201
        with relay.down():
            answer = http.post("/Users", json={"schemas": [USER_SCHEMA], "userName": "bob"})
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert answer.json()["schemas"] == [ERROR] and answer.json()["status"] == "503"
        assert http.post("/Users", json={"schemas": [USER_SCHEMA], "userName": "bob"}).status_code == 201
