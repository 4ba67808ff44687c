"""What Entra and Okta would make of the Django project: their traffic at a tenant's own SCIM URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from scimcore.testing.simulators import Entra, Group, Okta, User


def tenant_page(tenant: Any) -> str:
    """The project's own page of the tenant: its users, groups and events."""
    return Client().get(f"/tenants/{tenant.id}/").content.decode()


@pytest.mark.parametrize("flag", [False, True], ids=["default", "aadOptscim062020"])
def test_entra_provisions_a_tenant(django_app: Any, tenant: Any, flag: bool) -> None:
    """Entra's connection test and first cycle at the tenant's URL; the tenant's page shows the result."""
    alice = User("alice@contoso.example", given_name="Alice")
    bob = User("bob@contoso.example", given_name="Bob")
    with Entra(django_app, token=tenant.token, base_url=tenant.scim_url, flag=flag) as entra:
        entra.test_connection().assert_success()
        entra.sync(users=[alice, bob], groups=[Group("Staff", members=[alice, bob])]).assert_success()
        entra.disable(bob).assert_success()
    page = tenant_page(tenant)
    assert "alice@contoso.example" in page and "Staff" in page and "group.user_added" in page


def test_another_tenants_token_is_a_failure_entra_reports(django_app: Any, tenant: Any) -> None:
    """Entra configured with the wrong tenant's token: 401, a failure (not a retry) on Test Connection."""
    from scimsite.scim import directories

    _, other_token = directories().create("Another tenant")
    with Entra(django_app, token=other_token, base_url=tenant.scim_url) as entra:
        result = entra.test_connection()
    assert not result.ok and "401" in result.reason


def test_okta_provisions_and_deactivates(django_app: Any, tenant: Any) -> None:
    """Okta's import page, a user, a pushed group and a deactivation at the tenant's URL."""
    alice = User("alice@okta.local")
    with Okta(django_app, token=tenant.token, base_url=tenant.scim_url) as okta:
        okta.test_connection().assert_success()
        okta.sync(users=[alice], groups=[Group("Engineering", members=[alice])]).assert_success()
        okta.delete(alice).assert_success()
    assert "alice@okta.local" in tenant_page(tenant)
