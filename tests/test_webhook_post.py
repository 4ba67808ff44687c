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
