"""Stores: the port every store implements and the in-memory reference store."""

from scimcore.store.memory import MemoryStore
from scimcore.store.port import Page, Query, Store

__all__ = ["MemoryStore", "Page", "Query", "Store"]
