"""Serve scimcore with the standard library's wsgiref server: ``python examples/wsgi_wsgiref.py``.

For development only; use gunicorn or waitress in production.  The token comes from SCIMCORE_TOKEN.
"""

from __future__ import annotations

import os
from wsgiref.simple_server import make_server

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.wsgi import ScimWSGI

service = ScimService(MemoryStore(), authenticator=BearerTokens([os.environ.get("SCIMCORE_TOKEN", "change-me")]))
app = ScimWSGI(service, prefix="/scim/v2")

if __name__ == "__main__":
    with make_server("127.0.0.1", 8000, app) as server:
        print("SCIM 2.0 at http://127.0.0.1:8000/scim/v2")
        server.serve_forever()
