"""A FastAPI endpoint receiving RFC 9967 Security Event Tokens pushed by scimcore (RFC 8935).

Run ``uvicorn examples.set_receiver_fastapi:app`` and point a directory at it::

    scimcore directories create --name Acme --webhook-url https://your.app/scim-events
    scimcore directories events DIRECTORY_ID --delivery set-push

Set SCIMCORE_SET_JWKS_URL (``https://scim.example.com/sets/DIRECTORY_ID/jwks.json``), SCIMCORE_SET_ISSUER (the
server's ``--set-issuer``, by default its public URL) and SCIMCORE_SET_AUDIENCE (the directory's id unless
set with ``--audience``).  A SET that verifies is answered ``202``; one refused is answered ``400`` with the
RFC 8935 error object, and scimcore dead-letters it instead of trying again.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from typing import Any

from fastapi import FastAPI, Request, Response

from scimcore.set_receiver import ReceivedSet, SetRejected, SetReplayed, SetVerifier

app = FastAPI()
_cached: dict[str, Any] = {"at": 0.0, "jwks": None}


def fetch_jwks() -> dict[str, Any]:
    """The transmitter's JWKS, fetched at most every five minutes (keys rotate with an overlap)."""
    if _cached["jwks"] is None or time.time() - _cached["at"] > 300:
        with urllib.request.urlopen(os.environ["SCIMCORE_SET_JWKS_URL"], timeout=10) as answer:  # noqa: S310
            _cached["jwks"], _cached["at"] = json.load(answer), time.time()
    jwks: dict[str, Any] = _cached["jwks"]
    return jwks


verifier = SetVerifier(
    lambda: fetch_jwks(),
    issuer=os.environ.get("SCIMCORE_SET_ISSUER", "http://127.0.0.1:8000"),
    audience=os.environ.get("SCIMCORE_SET_AUDIENCE", "default"),
)  # its jti memory is per process: share one (your database) behind several workers


@app.post("/scim-events")
async def receive(request: Request) -> Response:
    try:
        received = verifier.verify(await request.body())
    except SetReplayed:  # sent again after a lost answer: it was kept the first time
        return Response(status_code=202)
    except SetRejected as exc:
        return Response(json.dumps(exc.body()), status_code=400, media_type="application/json")
    handle(received)
    return Response(status_code=202)


def handle(received: ReceivedSet) -> None:
    """Apply the change to your application; keep it before answering (the SET is not sent again)."""
    for event in received.events:
        print(event.uri, received.subject.uri if received.subject else None)
