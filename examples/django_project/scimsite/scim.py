"""The SCIM side of the project: one scimcore service with a directory per tenant, mounted in Django's URLconf.

Each tenant is a scimcore directory with its own SCIM base URL (``/scim/v2/<directory id>``), bearer tokens,
users, groups and events, all in one SQLite database.  :func:`scim_view` hands each request to scimcore's
WSGI app (``directories=True``, no default directory); the Django middleware stack stays in front of it.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from scimcore import ScimService
from scimcore.directories import DirectoryAuthenticator, DirectoryManager
from scimcore.store.sql import SqlStore
from scimcore.wsgi import ScimWSGI


@cache
def store() -> SqlStore:
    """The SQL store shared by every tenant (opened, and migrated, on first use)."""
    return SqlStore(settings.SCIMCORE_DATABASE)


def directories() -> DirectoryManager:
    """Create, list and manage tenants' directories."""
    return DirectoryManager(store())


@cache
def scim_app() -> ScimWSGI:
    """scimcore's WSGI app: every request must name a directory and carry one of that directory's tokens."""
    service = ScimService(store(), authenticator=DirectoryAuthenticator(store()))
    return ScimWSGI(service, directories=True, default_directory=None)


@csrf_exempt
def scim_view(request: HttpRequest, path: str = "") -> HttpResponse:
    """Run the request below ``/scim/v2`` through the WSGI app (the SCIM API does its own authentication)."""
    body = request.body
    environ: dict[str, Any] = dict(request.META)
    environ.update(
        {
            "SCRIPT_NAME": request.META.get("SCRIPT_NAME", "").rstrip("/") + "/" + settings.SCIM_PREFIX,
            "PATH_INFO": "/" + path,
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": request.scheme,
            "CONTENT_LENGTH": str(len(body)),
        }
    )
    if not str(environ.get("SERVER_PORT", "")).isdigit():  # Django under ASGI may say "None"
        environ["SERVER_PORT"] = "443" if request.is_secure() else "80"
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started.update(status=int(status.split()[0]), headers=headers)

    content = b"".join(scim_app()(environ, start_response))
    response = HttpResponse(content, status=started["status"])
    for name, value in started["headers"]:
        if name.lower() != "content-length":
            response[name] = value
    return response
