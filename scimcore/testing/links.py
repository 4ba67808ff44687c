"""The contracts of setup links and ended console sessions as pytest suites.

:class:`SetupLinksContract` proves :class:`~scimcore.store.ports.SetupLinks`; :class:`SessionEndsContract`
proves :class:`~scimcore.store.ports.SessionEnds`.  Owns: what a store must do with links and ended
sessions.  Must not: make secrets or decide expiry (:mod:`scimcore.setup_links` does).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from scimcore.store.ports import Directory, DirectoryStore, SetupLink


def _link(link_id: str, directory: str = "d1", created: str = "2026-12-01T00:00:00Z") -> SetupLink:
    return SetupLink(link_id, directory, f"digest-{link_id}", created, "2026-12-08T00:00:00Z")


class SetupLinksContract:
    """Behaviour of a store's setup links."""

    @pytest.fixture
    def store(self) -> Any:
        """Override in a subclass: a fresh store implementing the SetupLinks port."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    def test_a_link_is_found_by_the_digest_of_its_secret(self, store: Any) -> None:
        """find_setup_link returns the saved link for its digest and None for another."""
        store.save_setup_link(_link("a"))
        assert store.find_setup_link("digest-a") == _link("a")
        assert store.find_setup_link("digest-b") is None

    def test_links_are_listed_per_directory_oldest_first(self, store: Any) -> None:
        """list_setup_links holds only the directory's links, by creation time."""
        store.save_setup_link(_link("late", created="2026-12-02T00:00:00Z"))
        store.save_setup_link(_link("early", created="2026-12-01T00:00:00Z"))
        store.save_setup_link(_link("other", directory="d2"))
        assert [link.id for link in store.list_setup_links("d1")] == ["early", "late"]

    def test_revoking_needs_the_links_own_directory(self, store: Any) -> None:
        """A link is revoked only through its own directory, and only once."""
        store.save_setup_link(_link("a"))
        assert store.revoke_setup_link("d2", "a") is False
        assert store.find_setup_link("digest-a").revoked is False
        assert store.revoke_setup_link("d1", "a") is True
        assert store.revoke_setup_link("d1", "a") is False
        assert store.find_setup_link("digest-a").revoked is True

    def test_the_token_is_claimed_once(self, store: Any) -> None:
        """claim_setup_token is True for the first call only, and False for an unknown digest."""
        store.save_setup_link(_link("a"))
        assert store.claim_setup_token("digest-a") is True
        assert store.claim_setup_token("digest-a") is False
        assert store.claim_setup_token("digest-zz") is False
        assert store.find_setup_link("digest-a").token_revealed is True

    def test_concurrent_claims_reveal_the_token_once(self, store: Any) -> None:
        """Of eight threads claiming the same link at once, exactly one wins."""
        store.save_setup_link(_link("a"))
        barrier, wins = threading.Barrier(8), []

        def claim() -> None:
            barrier.wait()
            wins.append(store.claim_setup_token("digest-a"))

        threads = [threading.Thread(target=claim) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(wins) == [False] * 7 + [True]

    def test_deleting_a_directory_deletes_its_links(self, store: Any) -> None:
        """A deleted directory leaves no link behind (a store that also keeps directories)."""
        if not isinstance(store, DirectoryStore):
            pytest.skip("the store keeps no directories")
        links: Any = store
        store.save_directory(Directory("d1", "Acme", created="2026-12-01T00:00:00Z"))
        links.save_setup_link(_link("a"))
        store.delete_directory("d1")
        assert links.find_setup_link("digest-a") is None


class SessionEndsContract:
    """Behaviour of a store's ended console sessions."""

    @pytest.fixture
    def store(self) -> Any:
        """Override in a subclass: a fresh store implementing the SessionEnds port."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    def test_an_ended_session_is_known(self, store: Any) -> None:
        """session_ended is True after end_session, and False for another nonce."""
        store.end_session("n1", 2_000_000_000.0)
        assert store.session_ended("n1") is True
        assert store.session_ended("n2") is False

    def test_ending_twice_keeps_one_end(self, store: Any) -> None:
        """Ending the same session again is accepted."""
        store.end_session("n1", 1.0)
        store.end_session("n1", 2.0)
        assert store.session_ended("n1") is True

    def test_old_ends_are_forgotten(self, store: Any) -> None:
        """forget_session_ends drops only the ends whose sessions expired before the given time."""
        store.end_session("old", 100.0)
        store.end_session("new", 300.0)
        assert store.forget_session_ends(200.0) == 1
        assert store.session_ended("old") is False and store.session_ended("new") is True
