"""The contract of directory records and token digests as a reusable pytest suite.

Owns: directories saved, updated, listed in creation order and deleted with their tokens; tokens found by
digest until revoked.
Must not: touch resources or events.
"""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.store.ports import Directory, TokenRecord


class DirectoryStoreContract:
    """Behaviour of a store's directory records and token digests (:class:`~scimcore.store.ports.DirectoryStore`)."""

    @pytest.fixture
    def store(self) -> Any:
        """Override in a subclass: a fresh store implementing the DirectoryStore port."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    @staticmethod
    def _directory(directory_id: str, **fields: Any) -> Directory:
        return Directory(id=directory_id, name=f"Dir {directory_id}", created="2026-01-01T00:00:00Z", **fields)

    def test_saved_directory_is_found(self, store: Any) -> None:
        """A saved directory comes back with every field it was saved with."""
        saved = self._directory(
            "d1", provider="entra", tenant="t", product="p", webhook_url="https://h/x", webhook_secret="s",
            options={"k": 1}, event_delivery="set-poll", set_form="notice",
        )
        store.save_directory(saved)
        assert store.get_directory("d1") == saved

    def test_unknown_directory_is_none(self, store: Any) -> None:
        """get_directory of an id never saved is None."""
        assert store.get_directory("nope") is None

    def test_saving_again_updates(self, store: Any) -> None:
        """Saving a directory with a known id replaces its record instead of adding another."""
        store.save_directory(self._directory("d1"))
        store.save_directory(self._directory("d1", active=False, webhook_url="https://h/y"))
        found = store.get_directory("d1")
        assert found is not None and found.active is False and found.webhook_url == "https://h/y"
        assert [d.id for d in store.list_directories()] == ["d1"]

    def test_directories_list_in_creation_order(self, store: Any) -> None:
        """list_directories gives every directory, oldest first."""
        for directory_id in ("b", "a", "c"):
            store.save_directory(self._directory(directory_id))
        assert [d.id for d in store.list_directories()] == ["b", "a", "c"]

    def test_tokens_by_digest(self, store: Any) -> None:
        """Tokens are found by digest until revoked."""
        store.save_directory(Directory(id="d1", name="D", created="2026-01-01T00:00:00Z"))
        store.add_token(TokenRecord("a" * 64, "d1", "2026-01-01T00:00:00Z"))
        store.add_token(TokenRecord("b" * 64, "d1", "2026-01-01T00:00:00Z"))
        found = store.find_token("a" * 64)
        assert found is not None and found.directory_id == "d1"
        assert store.revoke_tokens("d1", keep="b" * 64) == 1
        assert store.find_token("a" * 64) is None and store.find_token("b" * 64) is not None

    def test_deleting_a_directory_forgets_its_tokens(self, store: Any) -> None:
        """delete_directory removes the directory and its tokens; another directory keeps its own."""
        store.save_directory(self._directory("d1"))
        store.save_directory(self._directory("d2"))
        store.add_token(TokenRecord("a" * 64, "d1", "2026-01-01T00:00:00Z"))
        store.add_token(TokenRecord("c" * 64, "d2", "2026-01-01T00:00:00Z"))
        store.delete_directory("d1")
        assert store.get_directory("d1") is None and store.find_token("a" * 64) is None
        assert store.find_token("c" * 64) is not None
