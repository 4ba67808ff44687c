"""Setup links and ended console sessions in process memory.

Implements :class:`~scimcore.store.ports.SetupLinks` and :class:`~scimcore.store.ports.SessionEnds`.
Owns: the links by digest and the ended sessions.  Must not: make secrets, decide expiry or render pages.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from scimcore.store.ports import SetupLink


class MemoryLinks:
    """Setup links and session ends in memory; composed into :class:`~scimcore.store.memory.MemoryStore`."""

    _lock: threading.RLock
    _links: dict[str, SetupLink]
    _session_ends: dict[str, float]

    def save_setup_link(self, link: SetupLink) -> None:
        """Keep a new link."""
        with self._lock:
            if link.digest in self._links or any(kept.id == link.id for kept in self._links.values()):
                raise ValueError("a setup link with this id or secret exists")
            self._links[link.digest] = link

    def find_setup_link(self, digest: str) -> SetupLink | None:
        """The link whose secret has ``digest``, or ``None``."""
        with self._lock:
            return self._links.get(digest)

    def list_setup_links(self, directory: str) -> list[SetupLink]:
        """The directory's links, oldest first."""
        with self._lock:
            found = [link for link in self._links.values() if link.directory == directory]
        return sorted(found, key=lambda link: (link.created, link.id))

    def revoke_setup_link(self, directory: str, link_id: str) -> bool:
        """Revoke link ``link_id`` of ``directory``; whether such a live link existed."""
        with self._lock:
            for digest, link in self._links.items():
                if link.directory == directory and link.id == link_id and not link.revoked:
                    self._links[digest] = replace(link, revoked=True)
                    return True
        return False

    def claim_setup_token(self, digest: str) -> bool:
        """Mark the link's token as revealed; ``True`` only for the one call that changed it."""
        with self._lock:
            link = self._links.get(digest)
            if link is None or link.token_revealed:
                return False
            self._links[digest] = replace(link, token_revealed=True)
            return True

    def _forget_links(self, directory: str) -> None:
        for digest in [d for d, link in self._links.items() if link.directory == directory]:
            del self._links[digest]

    def end_session(self, nonce: str, until: float) -> None:
        """Refuse session ``nonce`` until ``until``."""
        with self._lock:
            self._session_ends[nonce] = until

    def session_ended(self, nonce: str) -> bool:
        """Whether session ``nonce`` was ended."""
        with self._lock:
            return nonce in self._session_ends

    def forget_session_ends(self, before: float) -> int:
        """Drop the ends of sessions that expired before ``before``."""
        with self._lock:
            old = [nonce for nonce, until in self._session_ends.items() if until < before]
            for nonce in old:
                del self._session_ends[nonce]
            return len(old)
