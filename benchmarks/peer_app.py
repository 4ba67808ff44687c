"""The peer, scim2-server 0.8, as an ASGI app: built exactly as its ``scim2-server`` command builds its WSGI app.

scim2-server's command (``scim2_server.testserver.cli``) serves a WSGI ``BearerTokenApplication`` over
``wsgiref``; its ASGI app is ``scim2_server.applications.asgi.ASGIApplication`` over an
``AsyncInMemoryStorage``.  This module puts the two together: the default RFC 7643 schemas, resource types and
service provider configuration, the bearer-token scheme announced, and the same token check as
``BearerTokenApplication.check_auth``.  Runs only in the peer's own virtualenv.
"""

from __future__ import annotations

import secrets

from scim2_models import ScimProvider, UnauthorizedException
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage, InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)


class BearerTokenASGIApplication(ASGIApplication):
    """``ASGIApplication`` with scim2-server's own static bearer-token check."""

    def __init__(self, *args, bearer_tokens=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.bearer_tokens = set(bearer_tokens)

    def check_auth(self, request):
        if not self.bearer_tokens:
            return
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.bearer_tokens:
            raise UnauthorizedException


def build_app(token: str) -> BearerTokenASGIApplication:
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    service = ScimService(provider, secret=secrets.token_urlsafe(32))
    return BearerTokenASGIApplication(
        AsyncInMemoryStorage(InMemoryStorage()), provider, service=service, bearer_tokens=[token]
    )
