"""One POST of an event to a directory's webhook: signed, sent to the checked address, never redirected.

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

    @property
    def delivered(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def detail(self) -> str:
        """What went wrong, for the event log (the receiver's status when it answered)."""
        return self.error or f"HTTP {self.status}"


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
    try:
        target = await asyncio.to_thread(
            resolve_webhook_target, directory.webhook_url, allow_private=allow_private, resolver=resolver,
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
    return Attempt(status=status, error=None if 200 <= status < 300 else f"HTTP {status}")
