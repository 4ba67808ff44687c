"""Serve scimcore with plain uvicorn: ``uvicorn examples.asgi_uvicorn:app``.

The token comes from the SCIMCORE_TOKEN environment variable.
"""

from __future__ import annotations

import os

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.asgi import ScimASGI

service = ScimService(MemoryStore(), authenticator=BearerTokens([os.environ.get("SCIMCORE_TOKEN", "change-me")]))
app = ScimASGI(service, prefix="/scim/v2")
