"""The contract of the event outbox and event log as a reusable pytest suite.

Owns: events written with their change and never without it, claims of the oldest undelivered event per
resource, leases, retries, dead letters, replay, and forgetting a deleted directory's events.
Must not: deliver anything.
"""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.errors import Uniqueness
from scimcore.events import Event
from scimcore.store.ports import Directory, EventRetry, OutboxFigures, OutboxStatus
from scimcore.testing.documents import USER, user_doc

EPOCH_2026 = 1767225600.0
"""2026-01-01T00:00:00Z, when the contract's events occur, in Unix time."""


class OutboxContract:
    """Behaviour of a store's event outbox and event log (:class:`~scimcore.store.ports.Outbox`, ``EventLog``).

    Events ride on resource writes, so the store must implement the resources port too, and
    ``save_directory`` (a directory with a webhook makes its events pending).
    """

    @pytest.fixture
    def store(self) -> Any:
        """Override in a subclass: a fresh store implementing the Store, Outbox and DirectoryStore ports."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    @staticmethod
    def _event(key: str, n: int) -> Event:
        return Event(
            id=f"e-{key}-{n}", type="user.updated", directory_id="d1", occurred_at="2026-01-01T00:00:00Z",
            data={"n": n}, resource_key=key,
        )

    def _seed(self, store: Any) -> None:
        store.save_directory(Directory(id="d1", name="D", created="2026-01-01T00:00:00Z", webhook_url="http://x"))
        for n in range(3):
            for key in ("u1", "u2"):
                doc = user_doc(f"{key}-{n}", f"{key}-{n}")
                store.create(USER, doc, directory="d1", events=[self._event(key, n)])

    def test_events_are_written_with_the_change(self, store: Any) -> None:
        """Events passed to create are in the log, pending delivery when the directory has a webhook."""
        self._seed(store)
        stored = store.list_events("d1", limit=100)
        assert [s.event.id for s in stored] == [f"e-{k}-{n}" for n in range(3) for k in ("u1", "u2")]
        assert {s.status for s in stored} == {"pending"}

    def test_an_update_event_keeps_the_attributes_it_changed(self, store: Any) -> None:
        """An event's ``changed`` names read back in order, from the log and from a claim."""
        store.save_directory(Directory(id="d1", name="D", created="2026-01-01T00:00:00Z", webhook_url="http://x"))
        event = Event(id="e-c", type="user.updated", directory_id="d1", occurred_at="2026-01-01T00:00:00Z",
                      data={"id": "u"}, resource_key="u", changed=("name", "active"))
        store.create(USER, user_doc("u", "u"), directory="d1", events=[event])
        assert [s.event.changed for s in store.list_events("d1", limit=10)] == [("name", "active")]
        assert [s.event.changed for s in store.claim_events(EPOCH_2026, 10, 30.0)] == [("name", "active")]

    def test_deleting_a_directory_forgets_its_events(self, store: Any) -> None:
        """delete_directory removes the directory's events, claimed or not; delivery marks on them do nothing."""
        self._seed(store)
        claimed = store.claim_events(100.0, 10, 30.0)
        store.delete_directory("d1")
        assert store.list_events("d1", limit=100) == []
        assert store.claim_events(200.0, 10, 30.0) == []
        store.mark_delivered(claimed[0].seq)
        store.mark_failed(claimed[1].seq, "gone", None)
        assert store.list_events("d1", limit=100) == []

    def test_failed_change_writes_no_event(self, store: Any) -> None:
        """A create that fails on uniqueness leaves no event behind."""
        self._seed(store)
        with pytest.raises(Uniqueness):
            store.create(USER, user_doc("other", "u1-0"), directory="d1", events=[self._event("x", 9)])
        assert "e-x-9" not in [s.event.id for s in store.list_events("d1", limit=100)]

    def test_claim_gives_one_event_per_resource_in_order(self, store: Any) -> None:
        """Only the oldest undelivered event of each resource is handed out."""
        self._seed(store)
        first = store.claim_events(100.0, 10, 30.0)
        assert [s.event.id for s in first] == ["e-u1-0", "e-u2-0"]
        assert store.claim_events(100.0, 10, 30.0) == []  # leased, and later ones wait
        store.mark_delivered(first[0].seq)
        assert [s.event.id for s in store.claim_events(101.0, 10, 30.0)] == ["e-u1-1"]

    def test_claim_leaves_excluded_directories_alone(self, store: Any) -> None:
        """Events of a directory named in ``exclude`` are not claimed; another directory's still are."""
        self._seed(store)
        store.save_directory(Directory(id="d2", name="E", created="2026-01-01T00:00:00Z", webhook_url="http://y"))
        other = Event(id="e-d2", type="user.created", directory_id="d2", occurred_at="2026-01-01T00:00:00Z",
                      data={}, resource_key="v1")
        store.create(USER, user_doc("v1", "v1"), directory="d2", events=[other])
        assert [s.event.id for s in store.claim_events(100.0, 10, 30.0, exclude={"d1"})] == ["e-d2"]
        assert [s.event.id for s in store.claim_events(100.0, 10, 30.0)] == ["e-u1-0", "e-u2-0"]

    def test_failed_event_is_retried_after_its_time(self, store: Any) -> None:
        """A failed event comes back once its retry time has come, and dead-letters without one."""
        self._seed(store)
        first = store.claim_events(100.0, 1, 30.0)[0]
        store.mark_failed(first.seq, "HTTP 500", 200.0)
        assert [s.event.id for s in store.claim_events(150.0, 10, 1000.0)] == ["e-u2-0"]
        again = store.claim_events(250.0, 10, 30.0)
        assert [s.event.id for s in again] == ["e-u1-0"] and again[0].attempts == 1
        store.mark_failed(again[0].seq, "HTTP 500", None)
        dead = store.list_events("d1", status="dead")
        assert [s.event.id for s in dead] == ["e-u1-0"] and dead[0].last_error == "HTTP 500"

    def test_requeue_sends_events_again(self, store: Any) -> None:
        """Replaying from a time queues delivered events again."""
        self._seed(store)
        for stored in store.list_events("d1", limit=100):
            store.mark_delivered(stored.seq)
        assert store.requeue_events("d1", since_time="2026-01-01T00:00:00Z") == 6
        assert len(store.claim_events(1.0, 10, 30.0)) == 2

    def test_outbox_figures_count_pending_and_dead_events(self, store: Any) -> None:
        """outbox_figures counts pending and dead events and ages the oldest pending one (OutboxStatus)."""
        reporter = store if isinstance(store, OutboxStatus) else None
        if reporter is None:
            pytest.skip("the store does not report outbox figures (optional)")
        figures_of = reporter.outbox_figures
        assert figures_of(0.0) == OutboxFigures(0, 0, None)
        self._seed(store)
        first = store.claim_events(100.0, 1, 30.0)[0]
        store.mark_failed(first.seq, "gone", None)
        figures = figures_of(EPOCH_2026 + 60.0)
        assert (figures.pending, figures.dead) == (5, 1)
        assert figures.oldest_pending_seconds == pytest.approx(60.0)

    def test_one_dead_event_can_be_delivered_again(self, store: Any) -> None:
        """requeue_event (optional, EventRetry) makes a dead letter pending, in its own directory only."""
        retry = store if isinstance(store, EventRetry) else None
        if retry is None:
            pytest.skip("the store does not requeue single events (optional)")
        self._seed(store)
        first = store.claim_events(100.0, 1, 30.0)[0]
        store.mark_failed(first.seq, "gone", None)
        assert retry.requeue_event("another", first.seq) is False
        assert retry.requeue_event("d1", first.seq) is True
        [again] = [s for s in store.list_events("d1", limit=100) if s.seq == first.seq]
        assert again.status == "pending"
        assert retry.requeue_event("d1", 10_000) is False


class PolledOutboxContract:
    """Behaviour of a store's events handed to an RFC 8936 poller (:class:`~scimcore.store.ports.PolledOutbox`).

    Leases, re-delivery of what was not acknowledged, acknowledgement, dead letters from ``setErrs``, and
    strict isolation: a directory's claims and acknowledgements never touch another directory's events.
    """

    @pytest.fixture
    def store(self) -> Any:
        """Override in a subclass: a fresh store implementing Store, Outbox, PolledOutbox and DirectoryStore."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    @staticmethod
    def _seed(store: Any) -> None:
        """Directories d1 (three events) and d2 (one), neither with a webhook: their events are stored."""
        for directory, count in (("d1", 3), ("d2", 1)):
            store.save_directory(Directory(id=directory, name=directory, created="2026-01-01T00:00:00Z",
                                           event_delivery="set-poll"))
            for n in range(count):
                event = Event(id=f"{directory}-e{n}", type="user.created", directory_id=directory,
                              occurred_at="2026-01-01T00:00:00Z", data={"n": n}, resource_key=f"{directory}-u{n}")
                store.create(USER, user_doc(f"{directory}-u{n}", f"{directory}-u{n}"), directory=directory,
                             events=[event])

    def test_a_poll_claims_only_its_directory_s_events(self, store: Any) -> None:
        """claim_directory_events hands out the directory's events, oldest first, and no other directory's."""
        self._seed(store)
        claimed, more = store.claim_directory_events("d2", EPOCH_2026, 10, 30.0)
        assert [s.event.id for s in claimed] == ["d2-e0"] and more is False
        claimed, _ = store.claim_directory_events("d1", EPOCH_2026, 10, 30.0)
        assert [s.event.id for s in claimed] == ["d1-e0", "d1-e1", "d1-e2"]

    def test_a_poll_says_when_more_events_wait(self, store: Any) -> None:
        """With more undelivered events than the limit, the claim says more are available."""
        self._seed(store)
        claimed, more = store.claim_directory_events("d1", EPOCH_2026, 2, 30.0)
        assert [s.event.id for s in claimed] == ["d1-e0", "d1-e1"] and more is True

    def test_leased_events_are_not_handed_out_twice_until_the_lease_ends(self, store: Any) -> None:
        """A second poll within the lease gets nothing; after it, the unacknowledged events come again."""
        self._seed(store)
        store.claim_directory_events("d1", EPOCH_2026, 10, 30.0)
        assert store.claim_directory_events("d1", EPOCH_2026 + 1, 10, 30.0) == ([], False)
        again, _ = store.claim_directory_events("d1", EPOCH_2026 + 31, 10, 30.0)
        assert [s.event.id for s in again] == ["d1-e0", "d1-e1", "d1-e2"]

    def test_acknowledged_events_are_delivered_and_not_handed_out_again(self, store: Any) -> None:
        """acknowledge_events marks the events delivered; a later poll leaves them out."""
        self._seed(store)
        store.claim_directory_events("d1", EPOCH_2026, 10, 30.0)
        assert store.acknowledge_events("d1", ["d1-e0", "d1-e2"]) == 2
        again, _ = store.claim_directory_events("d1", EPOCH_2026 + 31, 10, 30.0)
        assert [s.event.id for s in again] == ["d1-e1"]
        statuses = {s.event.id: s.status for s in store.list_events("d1", limit=10)}
        assert statuses["d1-e0"] == statuses["d1-e2"] == "delivered"

    def test_acknowledging_another_directory_s_event_does_nothing(self, store: Any) -> None:
        """An ack naming d2's event in d1's poll changes nothing."""
        self._seed(store)
        assert store.acknowledge_events("d1", ["d2-e0"]) == 0
        assert [s.status for s in store.list_events("d2", limit=10)] == ["stored"]

    def test_reported_errors_dead_letter_the_events(self, store: Any) -> None:
        """reject_events dead-letters the directory's events with the receiver's error, not others'."""
        self._seed(store)
        assert store.reject_events("d1", {"d1-e1": "invalid_request: bad", "d2-e0": "x"}) == 1
        (stored,) = store.list_events("d1", status="dead", limit=10)
        assert (stored.event.id, stored.last_error) == ("d1-e1", "invalid_request: bad")
        assert [s.status for s in store.list_events("d2", limit=10)] == ["stored"]
