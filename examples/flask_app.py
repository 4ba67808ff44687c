"""A Flask application that receives SCIM provisioning: ``flask --app examples.flask_app run``.

The SCIM 2.0 WSGI app is mounted at ``/scim/v2`` with werkzeug's ``DispatcherMiddleware``, which sets
``SCRIPT_NAME`` so scimcore builds its URLs below the mount point.  Resources live in memory here (use
:class:`scimcore.store.sql.SqlStore` to keep them).  The token comes from ``SCIMCORE_TOKEN``.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, abort
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.events import Event
from scimcore.reader import DirectoryReader
from scimcore.wsgi import ScimWSGI

store = MemoryStore()
reader = DirectoryReader(store)
deactivated: list[str] = []


def on_change(event: Event) -> None:
    """Sign a user out everywhere when the identity provider deactivates them."""
    if event.type == "user.updated" and event.data.get("active") is False:
        deactivated.append(str(event.data["id"]))


service = ScimService(
    store,
    authenticator=BearerTokens([os.environ.get("SCIMCORE_TOKEN", "change-me")]),
    subscribers=[on_change],
)

app = Flask(__name__)
app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/scim/v2": ScimWSGI(service)})  # type: ignore[method-assign]


@app.get("/people/<user_id>")
def person(user_id: str) -> dict[str, Any]:
    """One provisioned user, as the application shows it."""
    user = reader.user(user_id)
    if user is None:
        abort(404)
    return {"userName": user["userName"], "active": user.get("active", True), "groups": reader.groups_of(user_id)}
