"""The ceiling: an ASGI app that reads the request and answers a constant ~1 KB SCIM user as JSON.

It does the least any SCIM server must do per request on the same uvicorn (read the body, send headers and a
body of the size of a user), so its throughput is the most a Python server can reach on this machine.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import user_doc  # noqa: E402

_doc = user_doc(4242, 10000)
_doc["id"] = "2819c223-7f76-453a-919d-413861904646"
_doc["meta"] = {
    "resourceType": "User",
    "created": "2026-11-26T10:00:00Z",
    "lastModified": "2026-11-26T10:00:00Z",
    "version": 'W/"1"',
    "location": "http://127.0.0.1:8000/scim/v2/Users/2819c223-7f76-453a-919d-413861904646",
}
BODY = json.dumps(_doc, separators=(",", ":")).encode()
HEADERS = [
    (b"content-type", b"application/scim+json"),
    (b"etag", b'W/"1"'),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
