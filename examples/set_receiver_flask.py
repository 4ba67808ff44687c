"""A Flask endpoint receiving RFC 9967 Security Event Tokens pushed by scimcore (RFC 8935).

Run ``flask --app examples.set_receiver_flask run`` and point a directory at it with
``scimcore directories events DIRECTORY_ID --delivery set-push`` (its webhook URL is this endpoint).
SCIMCORE_SET_JWKS_URL, SCIMCORE_SET_ISSUER and SCIMCORE_SET_AUDIENCE say whose SETs to accept, as in
``examples/set_receiver_fastapi.py``.  ``202`` accepts a SET; ``400`` with ``{"err", "description"}`` refuses it.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from typing import Any

from flask import Flask, Response, request

from scimcore.set_receiver import ReceivedSet, SetRejected, SetReplayed, SetVerifier

app = Flask(__name__)
_cached: dict[str, Any] = {"at": 0.0, "jwks": None}


def fetch_jwks() -> dict[str, Any]:
    """The transmitter's JWKS, fetched at most every five minutes."""
    if _cached["jwks"] is None or time.time() - _cached["at"] > 300:
        with urllib.request.urlopen(os.environ["SCIMCORE_SET_JWKS_URL"], timeout=10) as answer:  # noqa: S310
            _cached["jwks"], _cached["at"] = json.load(answer), time.time()
    jwks: dict[str, Any] = _cached["jwks"]
    return jwks


verifier = SetVerifier(
    lambda: fetch_jwks(),
    issuer=os.environ.get("SCIMCORE_SET_ISSUER", "http://127.0.0.1:8000"),
    audience=os.environ.get("SCIMCORE_SET_AUDIENCE", "default"),
)


@app.post("/scim-events")
def receive() -> Response:
    try:
        received = verifier.verify(request.get_data())
    except SetReplayed:  # sent again after a lost answer: it was kept the first time
        return Response(status=202)
    except SetRejected as exc:
        return Response(json.dumps(exc.body()), status=400, mimetype="application/json")
    handle(received)
    return Response(status=202)


def handle(received: ReceivedSet) -> None:
    """Apply the change to your application; keep it before answering."""
    for event in received.events:
        print(event.uri, received.subject.uri if received.subject else None)
