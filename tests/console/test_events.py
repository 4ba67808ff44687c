"""The console's event log of a directory: every event with its delivery state, paged and filtered."""

from __future__ import annotations

import pytest

from scimcore.console import ConsoleASGI
from scimcore.directories import DirectoryManager
from scimcore.events import Event
from scimcore.store.memory import MemoryStore
from scimcore.testing.documents import USER, user_doc
from tests.console.support import Browser


def _with_events(store: MemoryStore, count: int) -> str:
    directory, _ = DirectoryManager(store).create("Acme", webhook_url="https://hooks.example.com/x")
    for n in range(count):
        event = Event(id=f"e{n}", type="user.created", directory_id=directory.id,
                      occurred_at="2026-12-01T00:00:00Z", data={"userName": f"user{n}@acme.example"},
                      resource_key=f"u{n}")
        store.create(USER, user_doc(f"u{n}", f"user{n}@acme.example"), directory=directory.id, events=[event])
    return directory.id


def test_the_log_lists_events_with_their_resource_and_state(browser: Browser, store: MemoryStore) -> None:
    """Each event shows its type, the userName it is about and its delivery state."""
    directory_id = _with_events(store, 2)
    page = browser.get(f"/admin/directories/{directory_id}/events")
    assert page.status_code == 200 and "user0@acme.example" in page.text and "user1@acme.example" in page.text
    assert page.text.count("<td>pending</td>") == 2


def test_the_log_pages_by_sequence_number(browser: Browser, store: MemoryStore) -> None:
    """Fifty events a page; the next page starts after the last one shown."""
    directory_id = _with_events(store, 55)
    first = browser.get(f"/admin/directories/{directory_id}/events").text
    assert "user49@acme.example" in first and "user50@acme.example" not in first and "Next page" in first
    last_seq = store.list_events(directory_id, limit=50)[-1].seq
    second = browser.get(f"/admin/directories/{directory_id}/events?since={last_seq}").text
    assert "user50@acme.example" in second and "user49@acme.example" not in second and "Next page" not in second


def test_the_log_filters_by_delivery_state(browser: Browser, store: MemoryStore) -> None:
    """``?status=dead`` shows only the dead events, each with "Deliver again"."""
    directory_id = _with_events(store, 2)
    [claimed] = store.claim_events(2_000_000_000.0, 1, 30.0)
    store.mark_failed(claimed.seq, "HTTP 410", None)
    page = browser.get(f"/admin/directories/{directory_id}/events?status=dead").text
    assert page.count("Deliver again") == 1 and "HTTP 410" in page and "<td>pending</td>" not in page


@pytest.mark.parametrize("query", ["?since=abc", "?status=bogus", "?since=-5"])
def test_bad_parameters_fall_back_to_the_whole_log(browser: Browser, store: MemoryStore, query: str) -> None:
    """A malformed ``since`` or an unknown state is ignored, never an error."""
    directory_id = _with_events(store, 1)
    page = browser.get(f"/admin/directories/{directory_id}/events{query}")
    assert page.status_code == 200 and "user0@acme.example" in page.text


def test_the_log_needs_a_session_and_an_existing_directory(app: ConsoleASGI, browser: Browser) -> None:
    """Signed out the log redirects to sign-in; an unknown directory is a 404."""
    assert Browser(app).get("/admin/directories/nope/events").status_code == 303
    assert browser.get("/admin/directories/nope/events").status_code == 404
