"""The Django example project: a SCIM directory per tenant, mounted in Django's URLconf, over SQLite."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

django = pytest.importorskip("django")
pytest.importorskip("sqlalchemy")

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "django_project"
USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ana@acme.example"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Django set up once for this module, with scimcore's database in a temporary folder."""
    database = f"sqlite:///{tmp_path_factory.mktemp('django') / 'scimcore.db'}"
    saved = {k: os.environ.get(k) for k in ("DJANGO_SETTINGS_MODULE", "SCIMCORE_DATABASE")}
    os.environ.update({"DJANGO_SETTINGS_MODULE": "scimsite.settings", "SCIMCORE_DATABASE": database})
    sys.path.insert(0, str(PROJECT))
    try:
        django.setup()
        yield
    finally:
        sys.path.remove(str(PROJECT))
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def create_tenant(name: str) -> dict[str, Any]:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("scim_tenant", "create", name, "--provider", "entra", stdout=out)
    created: dict[str, Any] = json.loads(out.getvalue())
    return created


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}


def test_management_command_prints_the_tenant_url_and_token(project: None) -> None:
    """`manage.py scim_tenant create` prints the tenant's SCIM URL, Entra tenant URL and a token."""
    tenant = create_tenant("Acme")
    assert tenant["scim_url"] == f"http://127.0.0.1:8000/scim/v2/{tenant['id']}"
    assert tenant["tenant_url"] == tenant["scim_url"] + "?aadOptscim062020" and len(tenant["token"]) >= 43


def test_scim_request_through_the_django_test_client(project: None) -> None:
    """A tenant's token creates a user at /scim/v2/<tenant>/Users through Django's own test client."""
    from django.test import Client

    tenant = create_tenant("Globex")
    client = Client()
    created = client.post(f"/scim/v2/{tenant['id']}/Users", data=USER, content_type="application/scim+json",
                          headers={"Authorization": f"Bearer {tenant['token']}"})
    assert created.status_code == 201, created.content
    assert created["Location"] == f"http://testserver/scim/v2/{tenant['id']}/Users/{created.json()['id']}"
    listed = client.get(f"/scim/v2/{tenant['id']}/Users", headers={"Authorization": f"Bearer {tenant['token']}"})
    assert listed.json()["totalResults"] == 1


def test_tenants_are_isolated(project: None) -> None:
    """One tenant's token is refused at another tenant's endpoint, and the users stay apart."""
    from django.test import Client

    first, second = create_tenant("Initech"), create_tenant("Umbrella")
    client = Client()
    wrong = client.get(f"/scim/v2/{second['id']}/Users", headers={"Authorization": f"Bearer {first['token']}"})
    assert wrong.status_code == 401
    unknown = client.get("/scim/v2/no-such-tenant/Users", headers={"Authorization": f"Bearer {first['token']}"})
    assert unknown.status_code == 404
    root = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {first['token']}"})
    assert root.status_code == 404


def test_tenant_page_shows_what_was_provisioned(project: None) -> None:
    """The tenant's Django page lists the provisioned user and the user.created event."""
    from django.test import Client

    tenant = create_tenant("Hooli")
    client = Client()
    client.post(f"/scim/v2/{tenant['id']}/Users", data=USER, content_type="application/scim+json",
                headers={"Authorization": f"Bearer {tenant['token']}"})
    page = client.get(f"/tenants/{tenant['id']}/").content.decode()
    assert "ana@acme.example" in page and "user.created" in page
    assert tenant["name"] in client.get("/").content.decode()


def test_wsgi_application_serves_scim(project: None) -> None:
    """The project's WSGI entry point (Django's handler) serves the SCIM API."""
    from scimsite.wsgi import application

    tenant = create_tenant("Soylent")
    with httpx.Client(transport=httpx.WSGITransport(app=application), base_url="http://localhost") as client:
        response = client.post(f"/scim/v2/{tenant['id']}/Users", json=USER, headers=headers(tenant["token"]))
    assert response.status_code == 201 and response.headers["content-type"] == "application/scim+json"


def test_asgi_application_serves_scim(project: None) -> None:
    """The project's ASGI entry point serves the SCIM API too."""
    from scimsite.asgi import application

    tenant = create_tenant("Tyrell")

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.get(f"/scim/v2/{tenant['id']}/ServiceProviderConfig", headers=headers(tenant["token"]))

    response = asyncio.run(go())
    assert response.status_code == 200 and response.json()["patch"]["supported"] is True
