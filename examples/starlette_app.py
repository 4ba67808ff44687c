"""A Starlette application that receives SCIM provisioning: ``uvicorn examples.starlette_app:app``.

The SCIM 2.0 API is a :class:`~starlette.routing.Mount` at ``/scim/v2``; Starlette passes the mount point as
``root_path`` and scimcore builds ``Location`` and ``meta.location`` from it.  Resources live in memory here
(use :class:`scimcore.store.sql.SqlStore` to keep them).  The token comes from ``SCIMCORE_TOKEN``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.asgi import ScimASGI
from scimcore.events import Event
from scimcore.reader import DirectoryReader

store = MemoryStore()
reader = DirectoryReader(store)
changes: list[str] = []


def on_change(event: Event) -> None:
    """Remember what changed (your code would update its own tables here)."""
    changes.append(event.type)


service = ScimService(
    store,
    authenticator=BearerTokens([os.environ.get("SCIMCORE_TOKEN", "change-me")]),
    subscribers=[on_change],
)


async def teams(request: Request) -> JSONResponse:
    """The provisioned groups with their member counts."""
    page = reader.groups(members=True)
    return JSONResponse(
        {g["displayName"]: len(g.get("members", [])) for g in page.resources},
    )


scim_app = ScimASGI(service)


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    async with scim_app.dispatching():  # Starlette runs no mounted app's lifespan: webhooks are delivered here
        yield


app = Starlette(
    routes=[
        Route("/teams", teams),
        Mount("/scim/v2", app=scim_app),
    ],
    lifespan=lifespan,
)
