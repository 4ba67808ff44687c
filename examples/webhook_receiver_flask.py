"""A Flask endpoint receiving scimcore's directory-sync events: ``flask --app examples.webhook_receiver_flask run``.

The signature is checked against the raw request bytes; events are de-duplicated by id, since delivery is
at-least-once.  Set SCIMCORE_WEBHOOK_SECRET to the directory's webhook secret.
"""

from __future__ import annotations

import os

from flask import Flask, abort, request

from scimcore.webhooks import SIGNATURE_HEADER, SignatureError, verify

app = Flask(__name__)
seen: set[str] = set()  # use your database in production


@app.post("/scim-events")
def receive() -> tuple[dict[str, str], int]:
    body = request.get_data()
    try:
        verify(os.environ["SCIMCORE_WEBHOOK_SECRET"], request.headers.get(SIGNATURE_HEADER), body)
    except SignatureError:
        abort(401)
    event = request.get_json()
    if event["id"] not in seen:
        seen.add(event["id"])
        handle(event)
    return {"status": "ok"}, 200


def handle(event: dict[str, object]) -> None:
    """Apply the change to your application (create the account, disable it, update a team...)."""
    print(event["type"], event["directory_id"])
