"""One POST of an event to a directory's webhook: what each outcome is called."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from scimcore.store.ports import Directory
from scimcore.webhook_post import Attempt, event_body, post_event

PAYLOAD = {"id": "e1", "type": "user.created", "data": {"userName": "ä@example.com"}}


def _post(directory: Directory, handler: Any, **options: Any) -> Attempt:
    async def go() -> Attempt:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await post_event(client, directory, PAYLOAD, **options)

    return asyncio.run(go())


def _resolver(*_: Any, **__: Any) -> list[tuple[Any, ...]]:
    return [(2, 1, 6, "", ("93.184.215.14", 443))]


def test_a_2xx_is_delivered_with_the_exact_signed_body() -> None:
    """The body is compact UTF-8 JSON, sent with the event's id and type headers."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    attempt = _post(Directory("d", "D", webhook_url="https://hooks.example.com/x", webhook_secret="s"), handler,
                    resolver=_resolver)
    assert attempt.delivered and attempt.status == 204 and attempt.error is None
    assert seen[0].content == event_body(PAYLOAD) and "ä".encode() in seen[0].content
    assert seen[0].headers["scimcore-event-id"] == "e1" and "scimcore-signature" in seen[0].headers


def test_a_non_2xx_is_an_error_named_by_its_status() -> None:
    """A 500 is not delivered and says HTTP 500."""
    attempt = _post(Directory("d", "D", webhook_url="https://hooks.example.com/x"),
                    lambda request: httpx.Response(500), resolver=_resolver)
    assert not attempt.delivered and attempt.error == "HTTP 500" and not attempt.refused


def test_a_refused_address_is_never_sent() -> None:
    """A host resolving to a private address is refused before any request."""
    def private(*_: Any, **__: Any) -> list[tuple[Any, ...]]:
        return [(2, 1, 6, "", ("10.0.0.5", 443))]

    attempt = _post(Directory("d", "D", webhook_url="https://hooks.example.com/x"),
                    lambda request: httpx.Response(204), resolver=private, allow_private=False)
    assert attempt.refused and attempt.error is not None and attempt.error.startswith("webhook address refused")


def test_no_webhook_is_refused() -> None:
    """A directory without a webhook has nothing to post to."""
    attempt = _post(Directory("d", "D"), lambda request: httpx.Response(204))
    assert attempt.refused and attempt.error == "no webhook configured"


def test_a_transport_failure_is_named_by_its_type() -> None:
    """A connection error is an error named by the exception's type."""
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    attempt = _post(Directory("d", "D", webhook_url="https://hooks.example.com/x"), handler, resolver=_resolver)
    assert attempt.error == "ConnectError" and not attempt.refused and attempt.status is None


def _push(handler: Any) -> Attempt:
    from scimcore.webhook_post import post_set

    async def go() -> Attempt:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await post_set(client, Directory("d", "D", webhook_url="https://rp.example.com/x"), "a.b.c",
                                  event_id="e1", resolver=_resolver)

    return asyncio.run(go())


def test_a_set_is_pushed_as_secevent_jwt_and_202_is_delivered() -> None:
    """RFC 8935 §2.2: the body is the SET itself, typed application/secevent+jwt, accepting JSON errors."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    assert _push(handler).delivered
    assert seen[0].content == b"a.b.c"
    assert seen[0].headers["content-type"] == "application/secevent+jwt"
    assert seen[0].headers["accept"] == "application/json"
    assert "scimcore-signature" not in seen[0].headers


def test_a_400_with_err_is_a_rejection_with_its_code() -> None:
    """RFC 8935 §2.3: {"err", "description"} makes the attempt rejected, its detail naming both."""
    attempt = _push(lambda _: httpx.Response(400, json={"err": "invalid_key", "description": "unknown kid"}))
    assert attempt.rejected and attempt.err == "invalid_key"
    assert attempt.detail == "HTTP 400 invalid_key: unknown kid"


def test_a_400_without_err_is_no_rejection() -> None:
    """A 400 whose body is not an RFC 8935 error object is an ordinary failure."""
    attempt = _push(lambda _: httpx.Response(400, json={"error": "nope"}))
    assert not attempt.rejected and attempt.detail == "HTTP 400"


def test_a_refusal_s_description_is_cut_short() -> None:
    """A long description is kept to 300 characters in the event log."""
    attempt = _push(lambda _: httpx.Response(400, json={"err": "invalid_request", "description": "x" * 5000}))
    assert attempt.rejected and len(attempt.detail) < 350
