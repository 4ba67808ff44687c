"""The contract of SET signing keys as a reusable pytest suite (:class:`~scimcore.store.ports.SigningKeys`).

Owns: what a store must do with signing keys: keep them per scope, list them newest first, retire them,
and forget a deleted directory's.  Must not: make or use keys (:mod:`scimcore.set_tokens` does).
"""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.store.ports import SERVER_KEYS, Directory, SigningKey


def _key(kid: str, scope: str = SERVER_KEYS) -> SigningKey:
    return SigningKey(kid, scope, '{"kty":"EC"}', "2026-12-01T00:00:00Z")


class SigningKeysContract:
    """Behaviour of a store's signing keys."""

    @pytest.fixture
    def store(self) -> Any:
        """Override in a subclass: a fresh store implementing the SigningKeys and DirectoryStore ports."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    def test_keys_are_listed_newest_first_per_scope(self, store: Any) -> None:
        """signing_keys lists only the scope's keys, the last added first."""
        store.add_signing_key(_key("a"))
        store.add_signing_key(_key("b"))
        store.add_signing_key(_key("c", "d1"))
        assert [k.kid for k in store.signing_keys(SERVER_KEYS)] == ["b", "a"]
        assert store.signing_keys("d1") == [_key("c", "d1")]
        assert store.signing_keys("d2") == []

    def test_a_key_keeps_its_private_jwk(self, store: Any) -> None:
        """The private JWK reads back as it was saved."""
        store.add_signing_key(_key("a"))
        assert store.signing_keys(SERVER_KEYS)[0].private_jwk == '{"kty":"EC"}'

    def test_retiring_marks_the_key_once(self, store: Any) -> None:
        """retire_signing_key retires a live key of the scope only; a second call finds none."""
        store.add_signing_key(_key("a"))
        store.add_signing_key(_key("a", "d1"))
        assert store.retire_signing_key("d1", "a")
        assert not store.retire_signing_key("d1", "a")
        assert store.signing_keys("d1")[0].retired
        assert not store.signing_keys(SERVER_KEYS)[0].retired

    def test_deleting_a_directory_forgets_its_keys(self, store: Any) -> None:
        """delete_directory removes the directory's keys and leaves the server's."""
        store.save_directory(Directory(id="d1", name="D", created="2026-12-01T00:00:00Z"))
        store.add_signing_key(_key("a", "d1"))
        store.add_signing_key(_key("s"))
        store.delete_directory("d1")
        assert store.signing_keys("d1") == []
        assert [k.kid for k in store.signing_keys(SERVER_KEYS)] == ["s"]
