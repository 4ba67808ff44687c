"""The contract of the admin console's account store (:class:`~scimcore.store.ports.AdminStore`) as a pytest suite.

Owns: saving, replacing, reading, listing and deleting accounts.  Must not: hash passwords.
"""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.store.ports import AdminAccount


class AdminStoreContract:
    """Behaviour of a store's admin accounts."""

    @pytest.fixture
    def store(self) -> Any:
        """Override in a subclass: a fresh store implementing the AdminStore port."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    def test_an_account_reads_back(self, store: Any) -> None:
        """A saved account is read back as saved; an unknown name is None."""
        account = AdminAccount("ops", "scrypt$16384$8$1$aa$bb", "2026-12-01T00:00:00Z")
        store.save_admin(account)
        assert store.get_admin("ops") == account
        assert store.get_admin("OPS") is None and store.get_admin("nobody") is None

    def test_saving_again_replaces_the_account(self, store: Any) -> None:
        """Saving an account of the same name replaces its hash (a new password)."""
        store.save_admin(AdminAccount("ops", "old", "2026-12-01T00:00:00Z"))
        store.save_admin(AdminAccount("ops", "new", "2026-12-02T00:00:00Z"))
        assert [a.password_hash for a in store.list_admins()] == ["new"]

    def test_accounts_are_listed_by_name_and_deleted(self, store: Any) -> None:
        """list_admins is ordered by name; delete_admin says whether it removed one."""
        for name in ("zoe", "ada"):
            store.save_admin(AdminAccount(name, "h", "2026-12-01T00:00:00Z"))
        assert [a.name for a in store.list_admins()] == ["ada", "zoe"]
        assert store.delete_admin("zoe") is True and store.delete_admin("zoe") is False
        assert [a.name for a in store.list_admins()] == ["ada"]
