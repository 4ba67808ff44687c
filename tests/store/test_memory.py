"""The in-memory store passes the contract of each of its ports, plus its own specifics."""

from __future__ import annotations

import pytest

from scimcore.events import EventFactory
from scimcore.filter.parser import parse_filter
from scimcore.store.memory import MemoryStore
from scimcore.store.port import DEFAULT_DIRECTORY, Query
from scimcore.testing import (
    GROUP,
    USER,
    AdminStoreContract,
    DirectoryStoreContract,
    OutboxContract,
    PolledOutboxContract,
    RecorderContract,
    SessionEndsContract,
    SetupLinksContract,
    SigningKeysContract,
    StoreContract,
    group_doc,
    user_doc,
)


class TestMemoryStore(StoreContract):
    reads_page_groups = True

    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemoryOutbox(OutboxContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemoryPolledOutbox(PolledOutboxContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemoryDirectories(DirectoryStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


def test_clear_forgets_everything() -> None:
    """clear empties every directory."""
    store = MemoryStore()
    store.create(USER, user_doc("u1", "a"))
    store.clear()
    assert store.get(USER, "u1") is None


def test_documents_are_kept_apart_from_callers() -> None:
    """Changing the stored input or a returned document leaves the stored document as it was."""
    store = MemoryStore()
    doc = user_doc("u1", "a", emails=[{"value": "a@corp.local", "type": "work"}])
    store.create(USER, doc)
    doc["emails"][0]["value"] = "changed@corp.local"
    first = store.get(USER, "u1")
    assert first is not None
    first["emails"].append({"value": "b@corp.local"})
    again = store.get(USER, "u1")
    assert again is not None and again["emails"] == [{"value": "a@corp.local", "type": "work"}]


def test_shared_index_value_survives_the_removal_of_one_holder() -> None:
    """Two users with one displayName are both found; after one is deleted the other still is."""
    store = MemoryStore()
    store.create(USER, user_doc("u1", "a", displayName="Same Name"))
    store.create(USER, user_doc("u2", "b", displayName="same name"))
    query = Query(filter=parse_filter('displayName eq "SAME NAME"', USER))
    assert [d["id"] for d in store.search(USER, query).resources] == ["u1", "u2"]
    store.delete(USER, "u1", None)
    assert [d["id"] for d in store.search(USER, query).resources] == ["u2"]
    store.delete(USER, "u2", None)
    assert store.search(USER, query).resources == []


def test_members_keep_every_attribute_they_were_given() -> None:
    """A member with a display name keeps it; a plain member comes back as value and type."""
    store = MemoryStore()
    store.create(USER, user_doc("u1", "a"))
    store.create(USER, user_doc("u2", "b"))
    group = group_doc("g1", "One")
    group["members"] = [{"value": "u1", "type": "User", "display": "Ann"}, {"value": "u2", "type": "User"}]
    store.create(GROUP, group)
    stored = store.get(GROUP, "g1")
    assert stored is not None
    assert stored["members"] == [{"value": "u1", "type": "User", "display": "Ann"}, {"value": "u2", "type": "User"}]


def test_event_data_reads_back_whole() -> None:
    """An event's data is read back equal to what was recorded."""
    store = MemoryStore()
    doc = user_doc("u1", "a")
    factory = EventFactory(DEFAULT_DIRECTORY, "2026-01-01T00:00:00Z")
    store.create(USER, doc, events=[factory.make("user.created", doc, "u1")])
    [stored] = store.list_events(DEFAULT_DIRECTORY)
    assert stored.event.data == doc and stored.event.type == "user.created"


def test_integers_beyond_64_bits_are_kept_exactly() -> None:
    """A custom attribute holding a huge integer reads back as the same integer."""
    store = MemoryStore()
    store.create(USER, user_doc("u1", "a", employeeCount=2**70 + 1))
    stored = store.get(USER, "u1")
    assert stored is not None and stored["employeeCount"] == 2**70 + 1


class TestMemoryRecorder(RecorderContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemoryAdmins(AdminStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemorySetupLinks(SetupLinksContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemorySigningKeys(SigningKeysContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemorySessionEnds(SessionEndsContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()
