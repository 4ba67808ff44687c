"""Poll-based SET delivery (RFC 8936): a directory's receiver polls, acknowledges and reports errors.

A poll is a ``POST`` of a JSON object (§2.1, §2.4) to the directory's poll endpoint:

- ``maxEvents`` — the most SETs to return (a non-negative integer; ``0`` asks for none, to acknowledge
  only); without it scimcore returns up to :data:`MAX_EVENTS`, and never more than that;
- ``returnImmediately`` — scimcore always answers at once, with what is there (it holds no poll open);
- ``ack`` — the ``jti`` of SETs the receiver has kept: their events become ``delivered``;
- ``setErrs`` — ``jti`` → ``{"err", "description"}`` for SETs the receiver refused: their events are
  dead-lettered with that error, visible in the event log.

The answer (§2.2) is ``{"sets": {jti: SET, ...}, "moreAvailable": bool}``.  Acknowledgements are applied
before new SETs are chosen.  A SET handed out and not acknowledged within ``lease_seconds`` is handed out
again, with the same ``jti`` (at-least-once; the events stay in the durable outbox meanwhile).  A request
scimcore cannot read is answered ``400`` with ``{"err": "invalid_request", "description": ...}`` (the error
object of RFC 8935 §2.3, which RFC 8936 §2.4.4 uses).

Owns: reading a poll, applying it to the outbox and building the answer.  Must not: authenticate (the
adapter does, with the directory's SCIM bearer token) or read a clock (``now`` is passed in).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scimcore import set_tokens, sets
from scimcore.store.ports import Directory, PolledOutbox, SigningKeys

MAX_EVENTS = 100
"""The most SETs one poll answer holds."""

LEASE_SECONDS = 60.0
"""How long a SET handed to a poller waits for its acknowledgement before it is handed out again."""


class PollError(Exception):
    """A poll scimcore refuses: ``status``, with the RFC 8935 §2.3 error object as the body."""

    def __init__(self, status: int, err: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.err = err
        self.description = description

    def body(self) -> dict[str, str]:
        """``{"err": ..., "description": ...}``."""
        return {"err": self.err, "description": self.description}


@dataclass(frozen=True, slots=True)
class PollRequest:
    """A poll as RFC 8936 §2.1 defines it."""

    max_events: int | None = None
    return_immediately: bool = False
    ack: list[str] = field(default_factory=list)
    set_errs: dict[str, str] = field(default_factory=dict)  # jti -> "err: description"


def _invalid(description: str) -> PollError:
    return PollError(400, "invalid_request", description)


def parse_poll(body: bytes) -> PollRequest:
    """Read a poll request body; :class:`PollError` (400 ``invalid_request``) says what is wrong."""
    try:
        found = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise _invalid("the poll request is not JSON") from None
    if not isinstance(found, dict):
        raise _invalid("the poll request must be a JSON object")
    max_events = found.get("maxEvents")
    if max_events is not None and (not isinstance(max_events, int) or isinstance(max_events, bool) or max_events < 0):
        raise _invalid("'maxEvents' must be a non-negative integer")
    immediately = found.get("returnImmediately", False)
    if not isinstance(immediately, bool):
        raise _invalid("'returnImmediately' must be true or false")
    ack = found.get("ack", [])
    if not isinstance(ack, list) or not all(isinstance(j, str) for j in ack):
        raise _invalid("'ack' must be an array of jti strings")
    errs = found.get("setErrs", {})
    if not isinstance(errs, dict):
        raise _invalid("'setErrs' must be an object mapping jti to an error object")
    set_errs: dict[str, str] = {}
    for jti, error in errs.items():
        if not isinstance(error, dict) or not isinstance(error.get("err"), str):
            raise _invalid(f"the setErrs entry of {jti!r} must be an object with an 'err' string")
        description = error.get("description")
        text = str(error["err"])[:100]
        if isinstance(description, str) and description:
            text += f": {description[:300]}"
        set_errs[jti] = text
    return PollRequest(max_events, immediately, ack, set_errs)


def answer_poll(
    outbox: PolledOutbox,
    keys: SigningKeys,
    directory: Directory,
    request: PollRequest,
    *,
    now: float,
    issuer: str,
    lease_seconds: float = LEASE_SECONDS,
) -> dict[str, Any]:
    """Apply ``ack`` and ``setErrs``, then lease and sign up to ``maxEvents`` of the directory's SETs (§2.2)."""
    if request.ack:
        outbox.acknowledge_events(directory.id, request.ack)
    if request.set_errs:
        outbox.reject_events(directory.id, request.set_errs)
    limit = MAX_EVENTS if request.max_events is None else min(request.max_events, MAX_EVENTS)
    if limit == 0:
        return {"sets": {}}
    claimed, more = outbox.claim_directory_events(directory.id, now, limit, lease_seconds)
    tokens: dict[str, str] = {}
    if claimed:
        key = set_tokens.signer_for(keys, directory.id, set_tokens.utc_stamp(now))
        audience = sets.audience_of(directory)
        for stored in claimed:
            claims = sets.set_claims(
                stored.event, issuer=issuer, audience=audience, issued_at=int(now), form=directory.set_form
            )
            tokens[stored.event.id] = set_tokens.sign_set(claims, key)
    return {"sets": tokens, "moreAvailable": more}


def poll_answer_body(answer: Mapping[str, Any]) -> bytes:
    """The JSON bytes of a poll answer."""
    return json.dumps(answer, separators=(",", ":")).encode("utf-8")
