"""The store contracts as reusable pytest suites: every store passes the ones for the ports it claims, yours too.

One suite per port, so a store claims exactly what it implements:

- :class:`StoreContract` — the resources port (:class:`~scimcore.store.ports.Store`);
- :class:`OutboxContract` — the event outbox and event log (events ride on resource writes);
- :class:`PolledOutboxContract` — a directory's events handed to an RFC 8936 poller (optional);
- :class:`DirectoryStoreContract` — directories and token digests;
- :class:`RecorderContract` — the flight recorder's requests (optional);
- :class:`AdminStoreContract` — the admin console's accounts (optional);
- :class:`SetupLinksContract` and :class:`SessionEndsContract` — setup links and signed-out console
  sessions (optional);
- :class:`SigningKeysContract` — the keys signing Security Event Tokens (optional).

Subclass a suite in a test module and provide a ``store`` fixture::

    import pytest
    from scimcore.testing import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self):
            return MyStore(...)

The tests talk to the store only through its port, with documents built the way the service builds them
(ids, ``meta`` and versions already set; :mod:`scimcore.testing.documents`).  pytest is needed only to run
them; importing :mod:`scimcore` never imports this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scimcore.testing.admins import AdminStoreContract
    from scimcore.testing.directories import DirectoryStoreContract
    from scimcore.testing.documents import GROUP, REGISTRY, USER, group_doc, user_doc
    from scimcore.testing.keys import SigningKeysContract
    from scimcore.testing.links import SessionEndsContract, SetupLinksContract
    from scimcore.testing.outbox import OutboxContract, PolledOutboxContract
    from scimcore.testing.recorder import RecorderContract
    from scimcore.testing.resources import StoreContract

# Each name is imported when first used, so ``scimcore.testing.simulators`` (which drives a live URL from a
# script) does not import pytest through this package.
_HOMES = {
    "AdminStoreContract": "admins",
    "DirectoryStoreContract": "directories",
    "GROUP": "documents",
    "REGISTRY": "documents",
    "USER": "documents",
    "group_doc": "documents",
    "user_doc": "documents",
    "SessionEndsContract": "links",
    "SetupLinksContract": "links",
    "OutboxContract": "outbox",
    "PolledOutboxContract": "outbox",
    "SigningKeysContract": "keys",
    "RecorderContract": "recorder",
    "StoreContract": "resources",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'scimcore.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"scimcore.testing.{home}"), name)


__all__ = [
    "GROUP",
    "REGISTRY",
    "USER",
    "AdminStoreContract",
    "DirectoryStoreContract",
    "OutboxContract",
    "PolledOutboxContract",
    "RecorderContract",
    "SessionEndsContract",
    "SetupLinksContract",
    "SigningKeysContract",
    "StoreContract",
    "group_doc",
    "user_doc",
]
