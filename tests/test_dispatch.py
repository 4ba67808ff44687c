"""The dispatcher: fair delivery across directories, per-directory order and backoff, webhook target rules."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from scimcore import MemoryStore
from scimcore.directories import Directory
from scimcore.dispatch import DispatchConfig, Dispatcher
from scimcore.events import EventFactory
from scimcore.schema.registry import SchemaRegistry

pytest.importorskip("httpx")

USER = SchemaRegistry.default().resource_type("User")
NOW = 2_000_000_000.0


class Answer:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


class FakeClient:
    """An httpx-like client: records every POST; hosts in ``hang`` never answer, hosts in ``fail`` answer 500."""

    def __init__(self, *, hang: tuple[str, ...] = (), fail: tuple[str, ...] = ()) -> None:
        self.hang, self.fail = hang, fail
        self.posts: list[dict[str, Any]] = []
        self.hanging = asyncio.Event()
        self.release = asyncio.Event()

    async def post(self, url: str, *, content: bytes, headers: dict[str, str], extensions: dict[str, Any]) -> Answer:
        self.posts.append({"url": url, "headers": headers, "extensions": extensions, "body": content})
        if any(h in url for h in self.hang):
            self.hanging.set()
            await self.release.wait()
        return Answer(500 if any(h in url for h in self.fail) else 204)

    def delivered_to(self, host: str) -> int:
        return sum(1 for post in self.posts if host in post["url"])


def directory_with_events(store: MemoryStore, directory_id: str, webhook_url: str, count: int) -> None:
    """A directory with ``count`` user.created events, one per user, in that order."""
    store.save_directory(Directory(id=directory_id, name=directory_id, created="2033-01-01T00:00:00Z",
                                   webhook_url=webhook_url))
    factory = EventFactory(directory_id, "2033-05-18T03:33:20.000Z")
    for n in range(count):
        rid = f"{directory_id}-u{n}"
        doc = {"id": rid, "userName": rid, "meta": {"resourceType": "User", "version": 'W/"1"'}}
        store.create(USER, doc, directory=directory_id, events=[factory.make("user.created", {"id": rid}, rid)])


def test_a_hanging_webhook_does_not_hold_back_another_directory() -> None:
    """While one directory's receiver hangs, another directory's event is delivered."""
    store = MemoryStore()
    directory_with_events(store, "slow", "https://hang.example.com/hook", 20)
    directory_with_events(store, "fine", "https://fine.example.com/hook", 1)

    async def scenario() -> tuple[bool, int]:
        client = FakeClient(hang=("hang.example.com",))
        dispatcher = Dispatcher(store, store, clock=lambda: NOW, client=client)
        running = asyncio.create_task(dispatcher.run())
        await asyncio.wait_for(client.hanging.wait(), timeout=10)
        for _ in range(200):  # bounded wait for the other directory's delivery, not a timing assertion
            if client.delivered_to("fine.example.com"):
                break
            await asyncio.sleep(0.02)
        still_hanging = not client.release.is_set()
        dispatcher.stop()
        client.release.set()
        await asyncio.wait_for(running, timeout=10)
        return still_hanging, client.delivered_to("fine.example.com")

    still_hanging, fine = asyncio.run(scenario())
    assert still_hanging and fine == 1
    assert [s.status for s in store.list_events("fine")] == ["delivered"]


def test_a_directory_s_events_go_one_at_a_time_in_order() -> None:
    """Events of one directory are posted in the order they happened."""
    store = MemoryStore()
    directory_with_events(store, "acme", "https://hooks.example.com/hook", 5)
    client = FakeClient()
    asyncio.run(Dispatcher(store, store, clock=lambda: NOW, client=client).deliver_due())
    assert [p["headers"]["Scimcore-Event-Id"] for p in client.posts] == [s.event.id for s in store.list_events("acme")]
    assert {s.status for s in store.list_events("acme")} == {"delivered"}


def test_after_a_failure_the_directory_waits_for_its_backoff() -> None:
    """A failed delivery stops that directory's round; its other events are not tried until the backoff passed."""
    store = MemoryStore()
    directory_with_events(store, "down", "https://down.example.com/hook", 3)
    now = [NOW]
    client = FakeClient(fail=("down.example.com",))
    dispatcher = Dispatcher(store, store, clock=lambda: now[0], client=client, config=DispatchConfig(base_backoff=10))
    asyncio.run(dispatcher.deliver_due())
    assert [s.attempts for s in store.list_events("down")] == [1, 0, 0]
    now[0] += 1  # inside the backoff: nothing is claimed for this directory
    asyncio.run(dispatcher.deliver_due())
    assert len(client.posts) == 1
    now[0] += 3600  # the backoff has passed
    asyncio.run(dispatcher.deliver_due())
    assert len(client.posts) == 2


def test_a_refused_webhook_address_is_dead_lettered_without_a_request() -> None:
    """A stored webhook pointing at the metadata address is never called; its event is dead-lettered."""
    store = MemoryStore()
    directory_with_events(store, "acme", "http://169.254.169.254/latest/meta-data/", 1)
    client = FakeClient()
    config = DispatchConfig(allow_private_webhooks=False)
    asyncio.run(Dispatcher(store, store, clock=lambda: NOW, client=client, config=config).deliver_due())
    [stored] = store.list_events("acme")
    assert client.posts == []
    assert stored.status == "dead" and "refused" in (stored.last_error or "")


def test_a_name_resolving_to_a_private_address_is_refused_at_delivery() -> None:
    """A host name whose DNS answer is private is refused when the event is delivered."""
    store = MemoryStore()
    directory_with_events(store, "acme", "https://hooks.example.com/hook", 1)

    def private(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    client = FakeClient()
    config = DispatchConfig(allow_private_webhooks=False)
    asyncio.run(Dispatcher(store, store, clock=lambda: NOW, client=client, config=config, resolver=private)
                .deliver_due())
    assert client.posts == []
    assert "10.0.0.7" in (store.list_events("acme")[0].last_error or "")


def test_delivery_goes_to_the_checked_address_with_the_host_name() -> None:
    """The request connects to the address that was checked and presents the URL's host for Host and TLS."""
    store = MemoryStore()
    directory_with_events(store, "acme", "https://hooks.example.com/hook", 1)

    def public(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    client = FakeClient()
    config = DispatchConfig(allow_private_webhooks=False)
    asyncio.run(Dispatcher(store, store, clock=lambda: NOW, client=client, config=config, resolver=public)
                .deliver_due())
    [post] = client.posts
    assert post["url"] == "https://93.184.216.34/hook"
    assert post["headers"]["Host"] == "hooks.example.com"
    assert post["extensions"] == {"sni_hostname": "hooks.example.com"}


class Redirecting:
    """A local receiver that answers every POST with a redirect to ``target``, and counts what it got."""

    def __init__(self, target: str) -> None:
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.hits += 1
                self.send_response(307)
                self.send_header("Location", target)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def redirect_pair() -> Iterator[tuple[Redirecting, Redirecting]]:
    final = Redirecting("http://unused.invalid/")
    first = Redirecting(final.url)
    yield first, final
    first.close()
    final.close()


def test_redirects_are_not_followed(redirect_pair: tuple[Redirecting, Redirecting]) -> None:
    """A webhook answering 307 fails the attempt; the redirect target is never called."""
    first, final = redirect_pair
    store = MemoryStore()
    directory_with_events(store, "acme", first.url, 1)
    config = DispatchConfig(allow_private_webhooks=True)
    asyncio.run(Dispatcher(store, store, clock=lambda: NOW, config=config).deliver_due())
    assert (first.hits, final.hits) == (1, 0)
    assert store.list_events("acme")[0].last_error == "HTTP 307"


def test_each_attempt_s_outcome_is_reported() -> None:
    """on_outcome hears (directory, outcome) for each attempt: delivered, failed (retried later) and dead."""
    store = MemoryStore()
    directory_with_events(store, "ok", "https://ok.example.com/hook", 2)
    directory_with_events(store, "down", "https://down.example.com/hook", 1)
    directory_with_events(store, "meta", "http://169.254.169.254/", 1)
    heard: list[tuple[str, str]] = []
    config = DispatchConfig(allow_private_webhooks=False)

    def public(host: str, *_args: Any, **_kwargs: Any) -> list[Any]:
        address = "93.184.216.34" if host.startswith("down.") else "93.184.216.35"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 443))]

    dispatcher = Dispatcher(store, store, clock=lambda: NOW, client=FakeClient(fail=("93.184.216.34",)),
                            config=config, on_outcome=lambda d, o: heard.append((d, o)), resolver=public)
    asyncio.run(dispatcher.deliver_due())
    assert sorted(heard) == [("down", "failed"), ("meta", "dead"), ("ok", "delivered"), ("ok", "delivered")]


def test_a_failing_outcome_observer_does_not_stop_deliveries() -> None:
    """An observer that raises is logged; the event is still marked delivered."""
    store = MemoryStore()
    directory_with_events(store, "ok", "https://ok.example.com/hook", 1)

    def broken(_directory: str, _outcome: str) -> None:
        raise RuntimeError("observer down")

    asyncio.run(Dispatcher(store, store, clock=lambda: NOW, client=FakeClient(), on_outcome=broken).deliver_due())
    assert [s.status for s in store.list_events("ok")] == ["delivered"]


class SetAnswer:
    def __init__(self, status_code: int, body: bytes = b"") -> None:
        self.status_code = status_code
        self.content = body


class SetReceiver:
    """An httpx-like client standing for an RFC 8935 receiver: answers each POST with the next of ``answers``."""

    def __init__(self, *answers: SetAnswer) -> None:
        self.answers = list(answers)
        self.posts: list[dict[str, Any]] = []

    async def post(self, url: str, *, content: bytes, headers: dict[str, str], extensions: dict[str, Any]) -> Any:
        self.posts.append({"url": url, "headers": headers, "body": content})
        return self.answers.pop(0) if self.answers else SetAnswer(202)


def set_directory(store: MemoryStore, delivery: str = "set-push", form: str = "full") -> None:
    """Directory d1 pushing SETs to a receiver, with one user.created event."""
    directory_with_events(store, "d1", "https://rp.example.com/events", 1)
    found = store.get_directory("d1")
    assert found is not None
    from dataclasses import replace

    store.save_directory(replace(found, event_delivery=delivery, set_form=form))


def _deliver(store: MemoryStore, client: Any, **config: Any) -> None:
    dispatcher = Dispatcher(store, store, clock=lambda: NOW, client=client, config=DispatchConfig(**config),
                            resolver=public_resolver)
    asyncio.run(dispatcher.deliver_due())


def public_resolver(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]


def test_a_set_directory_pushes_a_signed_set() -> None:
    """A set-push directory's event is POSTed as application/secevent+jwt; 202 marks it delivered."""
    pytest.importorskip("joserfc")
    from scimcore import set_tokens, sets
    from scimcore.set_receiver import SetVerifier

    store = MemoryStore()
    set_directory(store)
    client = SetReceiver(SetAnswer(202))
    _deliver(store, client, set_issuer="https://scim.example.com")
    (post,) = client.posts
    assert post["headers"]["Content-Type"] == "application/secevent+jwt"
    assert post["headers"]["Accept"] == "application/json"
    verifier = SetVerifier(set_tokens.published_keys(store, "d1"), issuer="https://scim.example.com",
                           audience="d1", clock=lambda: NOW)
    received = verifier.verify(post["body"])
    assert [e.uri for e in received.events] == [sets.CREATE_FULL]
    assert [s.status for s in store.list_events("d1")] == ["delivered"]


def test_a_notice_directory_pushes_notice_sets() -> None:
    """set_form notice makes prov:create:notice SETs."""
    pytest.importorskip("joserfc")
    from scimcore import set_tokens, sets
    from scimcore.set_receiver import SetVerifier

    store = MemoryStore()
    set_directory(store, form="notice")
    client = SetReceiver()
    _deliver(store, client)
    verifier = SetVerifier(set_tokens.published_keys(store, "d1"), issuer="scimcore", audience="d1",
                           clock=lambda: NOW)
    assert [e.uri for e in verifier.verify(client.posts[0]["body"]).events] == [sets.CREATE_NOTICE]


def test_a_set_refused_with_an_err_code_is_dead_lettered() -> None:
    """RFC 8935 §2.3: a 400 with an err code is not retried; the event log keeps the code."""
    pytest.importorskip("joserfc")
    store = MemoryStore()
    set_directory(store)
    refusal = SetAnswer(400, b'{"err":"invalid_audience","description":"not for us"}')
    _deliver(store, SetReceiver(refusal))
    (stored,) = store.list_events("d1")
    assert stored.status == "dead"
    assert stored.last_error == "HTTP 400 invalid_audience: not for us"


def test_a_400_without_an_err_code_is_retried() -> None:
    """A 400 that is not an RFC 8935 error response is a failed attempt, tried again after the backoff."""
    pytest.importorskip("joserfc")
    store = MemoryStore()
    set_directory(store)
    _deliver(store, SetReceiver(SetAnswer(400, b"<html>bad</html>")))
    (stored,) = store.list_events("d1")
    assert (stored.status, stored.last_error) == ("pending", "HTTP 400")


def test_a_server_error_from_a_set_receiver_is_retried() -> None:
    """A 503 leaves the SET pending for another attempt."""
    pytest.importorskip("joserfc")
    store = MemoryStore()
    set_directory(store)
    _deliver(store, SetReceiver(SetAnswer(503)))
    assert [s.status for s in store.list_events("d1")] == ["pending"]


def test_a_set_delivered_again_keeps_its_jti() -> None:
    """After a failure the same event goes out again with the same jti and txn (at least once, dedupe by jti)."""
    pytest.importorskip("joserfc")
    from scimcore.set_receiver import decode_claims

    store = MemoryStore()
    set_directory(store)
    client = SetReceiver(SetAnswer(503), SetAnswer(202))
    now = [NOW]
    dispatcher = Dispatcher(store, store, clock=lambda: now[0], client=client, resolver=public_resolver)
    asyncio.run(dispatcher.deliver_due())
    now[0] = NOW + 3600.0  # past the backoff of a first failure
    asyncio.run(dispatcher.deliver_due())
    import json
    from base64 import urlsafe_b64decode

    def claims(body: bytes) -> dict[str, Any]:
        part = body.split(b".")[1]
        loaded: dict[str, Any] = json.loads(urlsafe_b64decode(part + b"=" * (-len(part) % 4)))
        return loaded

    first, second = (decode_claims(claims(p["body"])) for p in client.posts)
    assert (first.jti, first.txn) == (second.jti, second.txn)
    assert [s.status for s in store.list_events("d1")] == ["delivered"]


def test_a_poll_directory_s_events_are_not_pushed() -> None:
    """Events of a set-poll directory are stored for its poller, never posted."""
    store = MemoryStore()
    set_directory(store, delivery="set-poll")
    client = SetReceiver()
    _deliver(store, client)
    assert client.posts == []
    assert [s.status for s in store.list_events("d1")] == ["pending"]


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    pytest.importorskip("sqlalchemy")
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'push.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_pushed_sets_survive_a_restart_and_arrive_once_accepted(sql_url: str) -> None:
    """On SQL a SCIM write's SET fails (503), the server restarts, and the next dispatcher delivers it: same jti."""
    pytest.importorskip("joserfc")
    from scimcore import BearerTokens, ScimService, set_tokens, sets
    from scimcore.directories import DirectoryManager
    from scimcore.set_receiver import SetVerifier
    from scimcore.store.sql import SqlStore
    from scimcore.transport import ScimRequest

    store = SqlStore(sql_url)
    manager = DirectoryManager(store, allow_private_webhooks=True)
    manager.create("A", directory_id="a", webhook_url="https://rp.example.com/events")
    manager.set_event_delivery("a", "set-push")
    service = ScimService(store, authenticator=BearerTokens({"token-of-the-push-round-trip": "a"}))
    body = b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}'
    created = service.handle(ScimRequest("POST", "/Users", headers={
        "authorization": "Bearer token-of-the-push-round-trip", "content-type": "application/scim+json"},
        body=body, directory="a"))
    assert created.status == 201
    import time

    now = time.time()  # the service stamped the event with the real time
    first = SetReceiver(SetAnswer(503))
    asyncio.run(Dispatcher(store, store, clock=lambda: now, client=first, resolver=public_resolver).deliver_due())
    store.close()

    restarted = SqlStore(sql_url)
    try:
        second = SetReceiver(SetAnswer(202))
        later = now + 3600.0  # past the first failure's backoff
        dispatcher = Dispatcher(restarted, restarted, clock=lambda: later, client=second, resolver=public_resolver)
        asyncio.run(dispatcher.deliver_due())
        verifier = SetVerifier(set_tokens.published_keys(restarted, "a"), issuer="scimcore", audience="a",
                               clock=lambda: later)
        received = verifier.verify(second.posts[0]["body"])
        assert received.events[0].uri == sets.CREATE_FULL and received.events[0].data is not None
        assert received.events[0].data["userName"] == "alice"
        assert received.jti == restarted.list_events("a")[0].event.id
        assert len(first.posts) == 1 and [s.status for s in restarted.list_events("a")] == ["delivered"]
    finally:
        restarted.close()
