"""One POST of an event to a directory's webhook: signed, sent to the checked address, never redirected.

Two bodies: scimcore's own event JSON (:func:`post_event`), or a Security Event Token pushed per RFC 8935
(:func:`post_set`): ``Content-Type: application/secevent+jwt`` and ``Accept: application/json`` (§2.2); the
receiver answers ``202 Accepted`` (§2.2) or, refusing the SET, ``400`` with a JSON object whose ``err`` is an
RFC 8935 §2.4 error code and ``description`` says why (§2.3), kept in :attr:`Attempt.err`.

Owns: the headers of a delivery (``Content-Type``, ``User-Agent``, ``Scimcore-Event-Id``,
``Scimcore-Event-Type`` and the signature of :mod:`scimcore.webhooks`), resolving the target again under the
rules of :mod:`scimcore.webhook_targets`, the request, and what came of it (:class:`Attempt`).
Must not: retry, back off or touch the outbox (:mod:`scimcore.dispatch` decides that), or log a secret.
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass
from typing import Any

from scimcore.sets import SET_MEDIA_TYPE
from scimcore.store.ports import Directory
from scimcore.webhook_targets import Resolver, WebhookTargetError, resolve_webhook_target
from scimcore.webhooks import SIGNATURE_HEADER, sign


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one POST came to: the receiver's status, or why there was none.

    ``refused`` means the target rules refused the address: trying again cannot help.
    """

    status: int | None = None
    error: str | None = None
    refused: bool = False
    err: str | None = None

    @property
    def rejected(self) -> bool:
        """Whether an RFC 8935 receiver refused the SET itself (``400`` with ``err``): sending it again cannot help."""
        return self.status == 400 and self.err is not None

    @property
    def delivered(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def detail(self) -> str:
        """What went wrong, for the event log (the receiver's status when it answered)."""
        return self.error or f"HTTP {self.status}"


MAX_ERROR_BODY = 65536
"""The largest refusal body read for its RFC 8935 ``err`` and ``description`` (a larger one is no error object)."""


def event_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes delivered (and signed) for an event payload: compact UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def post_event(
    client: Any,
    directory: Directory,
    payload: dict[str, Any],
    *,
    allow_private: bool | None = None,
    resolver: Resolver = socket.getaddrinfo,
) -> Attempt:
    """POST ``payload`` (an event's JSON object) to the directory's webhook with an httpx ``client``."""
    if not directory.webhook_url:
        return Attempt(error="no webhook configured", refused=True)
    body = event_body(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "scimcore-webhooks",
        "Scimcore-Event-Id": str(payload.get("id", "")),
        "Scimcore-Event-Type": str(payload.get("type", "")),
    }
    if directory.webhook_secret:
        headers[SIGNATURE_HEADER] = sign(directory.webhook_secret, body)  # wall-clock time, as receivers check
    return await _post(client, directory.webhook_url, body, headers, allow_private=allow_private, resolver=resolver)


async def post_set(
    client: Any,
    directory: Directory,
    token: str,
    *,
    event_id: str,
    allow_private: bool | None = None,
    resolver: Resolver = socket.getaddrinfo,
) -> Attempt:
    """Push one SET (compact JWS) to the directory's receiver, RFC 8935 §2.2."""
    if not directory.webhook_url:
        return Attempt(error="no webhook configured", refused=True)
    headers = {
        "Content-Type": SET_MEDIA_TYPE,
        "Accept": "application/json",
        "User-Agent": "scimcore-webhooks",
        "Scimcore-Event-Id": event_id,
    }
    attempt = await _post(
        client, directory.webhook_url, token.encode("ascii"), headers, allow_private=allow_private, resolver=resolver,
        read_refusal=True,
    )
    return attempt


def _refusal(response: Any) -> tuple[str | None, str | None]:
    """The ``err`` and ``description`` of an RFC 8935 §2.3 error response, when it has them."""
    try:
        content = response.content
        if len(content) > MAX_ERROR_BODY:
            return None, None
        found = json.loads(content)
    except (ValueError, TypeError, AttributeError):
        return None, None
    if not isinstance(found, dict) or not isinstance(found.get("err"), str):
        return None, None
    description = found.get("description")
    err = str(found["err"])[:100]
    return err, str(description)[:300] if isinstance(description, str) else None


async def _post(
    client: Any,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool | None,
    resolver: Resolver,
    read_refusal: bool = False,
) -> Attempt:
    """POST ``body`` to the checked address of ``url``; what came of it."""
    try:
        target = await asyncio.to_thread(
            resolve_webhook_target, url, allow_private=allow_private, resolver=resolver,
        )
    except WebhookTargetError as exc:
        return Attempt(error=f"webhook address refused: {exc}", refused=True)
    except OSError as exc:
        return Attempt(error=f"name resolution failed: {type(exc).__name__}")
    extensions: dict[str, Any] = {}
    if target.host is not None:
        headers["Host"] = target.host
    if target.server_name is not None:
        extensions["sni_hostname"] = target.server_name
    try:
        response = await client.post(target.url, content=body, headers=headers, extensions=extensions)
    except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt
        return Attempt(error=type(exc).__name__)
    status = int(response.status_code)
    if 200 <= status < 300:
        return Attempt(status=status)
    if read_refusal and status == 400:
        err, description = _refusal(response)
        if err is not None:
            detail = f"HTTP 400 {err}" + (f": {description}" if description else "")
            return Attempt(status=status, error=detail, err=err)
    return Attempt(status=status, error=f"HTTP {status}")
