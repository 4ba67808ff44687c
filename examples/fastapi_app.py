"""A FastAPI application that receives SCIM provisioning: ``uvicorn examples.fastapi_app:app``.

The SCIM 2.0 API is mounted at ``/scim/v2`` beside the application's own routes.  Users and groups are kept
in SQLite (``SCIMCORE_DATABASE``, default ``sqlite:///./scimcore-fastapi.db``); the application reacts to each
change with an in-process subscriber and reads what was provisioned with :class:`DirectoryReader`.
Point the identity provider at ``http://HOST:8000/scim/v2`` with the token in ``SCIMCORE_TOKEN``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException

from scimcore import BearerTokens, ScimService
from scimcore.asgi import ScimASGI
from scimcore.events import Event
from scimcore.reader import DirectoryReader
from scimcore.store.sql import SqlStore

logger = logging.getLogger("acme")

store = SqlStore(os.environ.get("SCIMCORE_DATABASE", "sqlite:///./scimcore-fastapi.db"))
reader = DirectoryReader(store)


def on_change(event: Event) -> None:
    """Called after each change is committed; keep it quick (it runs inside the SCIM request)."""
    logger.info("%s %s", event.type, event.data.get("id") or event.data.get("group", {}).get("id"))


service = ScimService(
    store,
    authenticator=BearerTokens([os.environ.get("SCIMCORE_TOKEN", "change-me")]),
    subscribers=[on_change],
)


scim_app = ScimASGI(service)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    async with scim_app.dispatching():  # FastAPI runs no mounted app's lifespan: webhooks are delivered here
        yield
    store.close()


app = FastAPI(title="Acme", lifespan=lifespan)
app.mount("/scim/v2", scim_app)


@app.get("/people")
def people(active: bool | None = None) -> dict[str, Any]:
    """The provisioned users, optionally only the active ones (a SCIM filter on the read API)."""
    page = reader.users(filter=None if active is None else f"active eq {str(active).lower()}")
    return {"total": page.total, "people": [{"id": u["id"], "userName": u["userName"]} for u in page.resources]}


@app.get("/people/{user_id}/groups")
def groups_of(user_id: str) -> list[dict[str, Any]]:
    """The groups a provisioned user belongs to."""
    if reader.user(user_id) is None:
        raise HTTPException(status_code=404, detail="no such user")
    return reader.groups_of(user_id)
