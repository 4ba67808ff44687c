"""A FastAPI endpoint receiving scimcore's directory-sync events: ``uvicorn examples.webhook_receiver_fastapi:app``.

The signature is checked against the raw request bytes; events are de-duplicated by id, since delivery is
at-least-once.  Set SCIMCORE_WEBHOOK_SECRET to the directory's webhook secret.
"""

from __future__ import annotations

import os

from fastapi import FastAPI, HTTPException, Request

from scimcore.webhooks import SIGNATURE_HEADER, SignatureError, verify

app = FastAPI()
seen: set[str] = set()  # use your database in production


@app.post("/scim-events")
async def receive(request: Request) -> dict[str, str]:
    body = await request.body()
    try:
        verify(os.environ["SCIMCORE_WEBHOOK_SECRET"], request.headers.get(SIGNATURE_HEADER), body)
    except SignatureError as exc:
        raise HTTPException(status_code=401, detail=str(exc)) from None
    event = await request.json()
    if event["id"] not in seen:
        seen.add(event["id"])
        handle(event)
    return {"status": "ok"}


def handle(event: dict[str, object]) -> None:
    """Apply the change to your application (create the account, disable it, update a team...)."""
    print(event["type"], event["directory_id"])
