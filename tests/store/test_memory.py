"""The in-memory store passes the store contract, plus its own specifics."""

from __future__ import annotations

import pytest

from scimcore.schema.documents import json_copy
from scimcore.store.memory import MemoryStore
from scimcore.testing import USER, OutboxContract, StoreContract, user_doc


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemoryOutbox(OutboxContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


def test_json_copy_is_deep() -> None:
    """json_copy shares no dict or list with its input."""
    original = {"a": [{"b": 1}], "c": {"d": [1, 2]}}
    copied = json_copy(original)
    assert copied == original
    copied["a"][0]["b"] = 2
    copied["c"]["d"].append(3)
    assert original == {"a": [{"b": 1}], "c": {"d": [1, 2]}}


def test_clear_forgets_everything() -> None:
    """clear empties every directory."""
    store = MemoryStore()
    store.create(USER, user_doc("u1", "a"))
    store.clear()
    assert store.get(USER, "u1") is None
