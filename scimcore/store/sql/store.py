"""The SQL store under its first module path: :class:`SqlStore` now lives in :mod:`scimcore.store.sql`."""

from scimcore.store.sql import SqlStore, normalise_url

__all__ = ["SqlStore", "normalise_url"]
