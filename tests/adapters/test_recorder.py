"""The flight recorder: what each directory received, redacted, batched, written after the answer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.adapters.recorder import FlightRecorder, export_lines, redact_query
from scimcore.asgi import ScimASGI
from scimcore.check.replay import read_replay_file
from scimcore.transport import ScimRequest, ScimResponse
from scimcore.wsgi import ScimWSGI
from tests.conftest import TOKEN, USER_SCHEMA

AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


def _request(body: dict[str, Any] | None = None, **kw: Any) -> ScimRequest:
    payload = json.dumps(body).encode() if body is not None else b""
    return ScimRequest(kw.pop("method", "POST"), kw.pop("path", "/Users"), body=payload, **kw)


def test_passwords_and_tokens_are_never_recorded() -> None:
    """The body is kept redacted, and a sensitive query parameter's value too."""
    store = MemoryStore()
    recorder = FlightRecorder(store, batch=1)
    request = _request({"schemas": [USER_SCHEMA], "userName": "a", "password": "S3cret!"},
                       query="access_token=abc123&filter=userName%20eq%20%22a%22")
    recorder.observe(request, ScimResponse(201, body=b'{"id": "u1"}'), 2.0)
    recorder.flush()
    [entry] = store.recorded_requests("default")
    assert "S3cret" not in entry.body and "[redacted]" in entry.body and '"userName":"a"' in entry.body
    assert entry.query == "access_token=[redacted]&filter=userName%20eq%20%22a%22"
    assert entry.resource_id == "u1" and entry.status == 201


def test_a_request_refused_for_its_token_is_not_recorded() -> None:
    """A 401 is not kept: anyone can send one, to any directory id."""
    store = MemoryStore()
    recorder = FlightRecorder(store)
    recorder.observe(_request({"userName": "x"}, directory="made-up-id"), ScimResponse(401), 1.0)
    recorder.flush()
    assert store.recorded_requests("made-up-id") == [] and not recorder.due()


def test_the_error_detail_and_request_id_are_kept() -> None:
    """A 4xx keeps its SCIM detail; Entra's client-request-id is kept as request_id."""
    store = MemoryStore()
    recorder = FlightRecorder(store)
    request = _request({"x": 1}, headers={"client-request-id": "entra-42"})
    recorder.observe(request, ScimResponse(400, body=b'{"detail": "Attribute x is unknown."}'), 1.0)
    recorder.flush()
    [entry] = store.recorded_requests("default")
    assert (entry.detail, entry.request_id) == ("Attribute x is unknown.", "entra-42")


def test_requests_are_written_in_batches() -> None:
    """Nothing is due until a batch is full or has waited flush_seconds."""
    clock = Clock()
    recorder = FlightRecorder(MemoryStore(), batch=3, flush_seconds=1.0, clock=clock)
    assert not recorder.due()
    recorder.observe(_request(), ScimResponse(200), 1.0)
    recorder.observe(_request(), ScimResponse(200), 1.0)
    assert not recorder.due()
    clock.now += 1.5
    assert recorder.due()
    recorder.observe(_request(), ScimResponse(200), 1.0)
    assert recorder.flush() == 3 and not recorder.due()


def test_the_sensitive_query_parameters_are_redacted_as_sent() -> None:
    """redact_query keeps the query as sent and replaces only sensitive values."""
    assert redact_query("aadOptscim062020&count=5&apiToken=t") == "aadOptscim062020&count=5&apiToken=[redacted]"


def test_the_asgi_app_records_each_request_of_a_directory() -> None:
    """Through ScimASGI with a recorder, each request is recorded (here written at once: batch=1)."""
    store = MemoryStore()
    service = ScimService(store, authenticator=BearerTokens([TOKEN]))
    app = ScimASGI(service, prefix="/scim/v2", recorder=FlightRecorder(store, batch=1))

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            await client.post("/scim/v2/Users", json={"schemas": [USER_SCHEMA], "userName": "a"}, headers=AUTH)
            await client.get("/scim/v2/Users", params={"filter": 'userName eq "a"'}, headers=AUTH)
        for _ in range(50):  # the write runs in a worker thread after the answer
            if len(store.recorded_requests("default")) == 2:
                return
            await asyncio.sleep(0.02)

    asyncio.run(go())
    assert [(e.method, e.path, e.status) for e in store.recorded_requests("default")] == [
        ("POST", "/Users", 201), ("GET", "/Users", 200)]


def test_the_wsgi_app_writes_the_batch_after_the_answer() -> None:
    """Through ScimWSGI, a full batch is written when the server closes the response (PEP 3333)."""
    store = MemoryStore()
    service = ScimService(store, authenticator=BearerTokens([TOKEN]))
    app = ScimWSGI(service, prefix="/scim/v2", recorder=FlightRecorder(store, batch=1))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://t") as client:
        client.get("/scim/v2/Users", headers=AUTH)
    assert [e.status for e in store.recorded_requests("default")] == [200]


def test_an_export_is_a_replay_file_check_reads() -> None:
    """export_lines writes what scimcore check --replay reads: the same requests, in order."""
    store = MemoryStore()
    recorder = FlightRecorder(store)
    for n in range(3):
        recorder.observe(_request({"n": n}), ScimResponse(201, body=json.dumps({"id": f"u{n}"}).encode()), 1.0)
    recorder.flush()
    entries = store.recorded_requests("default")
    back = read_replay_file(list(export_lines("default", entries)))
    assert [(e["body"], e["resource_id"], e["status"]) for e in back] == [
        (e.body, e.resource_id, e.status) for e in entries]
