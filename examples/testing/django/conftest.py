"""Fixtures for testing a Django project under identity-provider traffic: the project's own WSGI app.

The project is ``examples/django_project`` (set ``SCIMCORE_DJANGO_PROJECT`` to test another folder): one
scimcore directory per tenant, its SCIM API mounted in Django's URLconf.  Django is set up once for the
session with scimcore's database in a temporary folder; each test gets a fresh tenant, and the simulators
call Django's WSGI handler in process, at that tenant's own SCIM base URL.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

PROJECT = Path(os.environ.get("SCIMCORE_DJANGO_PROJECT", Path(__file__).resolve().parents[2] / "django_project"))


@dataclass(frozen=True)
class Tenant:
    """A tenant of the project: its scimcore directory id, its bearer token and its SCIM base URL."""

    id: str
    token: str
    scim_url: str


@pytest.fixture(scope="session")
def django_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Django set up for the project, with scimcore's SQLite database in a temporary folder."""
    import django

    database = f"sqlite:///{tmp_path_factory.mktemp('django') / 'scimcore.db'}"
    os.environ.update({"DJANGO_SETTINGS_MODULE": "scimsite.settings", "SCIMCORE_DATABASE": database})
    sys.path.insert(0, str(PROJECT))
    django.setup()
    yield
    sys.path.remove(str(PROJECT))


@pytest.fixture
def django_app(django_project: None) -> Any:
    """The project's WSGI application, Django's own handler in front of scimcore."""
    from scimsite.wsgi import application

    return application


@pytest.fixture
def tenant(django_project: None) -> Tenant:
    """A new tenant, created as ``manage.py scim_tenant create`` creates one."""
    from scimsite.scim import directories

    directory, token = directories().create(f"Tenant {uuid4().hex[:8]}", provider="entra")
    return Tenant(directory.id, token, f"http://testserver/scim/v2/{directory.id}")
