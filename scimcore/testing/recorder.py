"""The contract of the flight recorder's store (:class:`~scimcore.store.ports.Recorder`) as a pytest suite.

Owns: appending recorded requests, the bounds by count and by age, per-directory isolation, and forgetting a
deleted directory's requests.
Must not: record anything itself (:mod:`scimcore.recorder` does).
"""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.store.ports import RecordedRequest


def recorded(directory: str, n: int, at: str = "2026-06-01T00:00:00Z") -> RecordedRequest:
    """A recorded request numbered ``n``."""
    return RecordedRequest(directory, at, "PATCH", f"/Users/u{n}", "", 200, 1.5, '{"Operations":[]}',
                           request_id=f"r{n}")


class RecorderContract:
    """Behaviour of a store's flight-recorder port."""

    @pytest.fixture
    def store(self) -> Any:
        """Override in a subclass: a fresh store implementing the Recorder port (and directories)."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    def test_recorded_requests_come_back_oldest_first(self, store: Any) -> None:
        """What was recorded is read back field for field, oldest first, with increasing seq."""
        store.record_requests([recorded("d1", n) for n in range(3)], keep=10, not_before="")
        back = store.recorded_requests("d1")
        assert [r.path for r in back] == ["/Users/u0", "/Users/u1", "/Users/u2"]
        assert back[0].request_id == "r0" and back[0].body == '{"Operations":[]}' and back[0].status == 200
        assert back[0].seq < back[1].seq < back[2].seq

    def test_each_directory_keeps_its_last_requests(self, store: Any) -> None:
        """At most ``keep`` per directory remain, the newest; another directory's are untouched."""
        store.record_requests([recorded("d2", 0)], keep=3, not_before="")
        for start in (0, 3):
            store.record_requests([recorded("d1", n) for n in range(start, start + 3)], keep=4, not_before="")
        assert [r.path for r in store.recorded_requests("d1")] == [f"/Users/u{n}" for n in range(2, 6)]
        assert [r.path for r in store.recorded_requests("d2")] == ["/Users/u0"]

    def test_requests_older_than_the_bound_are_dropped(self, store: Any) -> None:
        """Requests recorded before ``not_before`` are dropped."""
        store.record_requests([recorded("d1", 0, at="2026-01-01T00:00:00Z")], keep=10, not_before="")
        store.record_requests([recorded("d1", 1, at="2026-06-01T00:00:00Z")], keep=10, not_before="2026-03-01")
        assert [r.path for r in store.recorded_requests("d1")] == ["/Users/u1"]

    def test_limit_gives_the_newest(self, store: Any) -> None:
        """``limit`` reads the newest requests, still oldest first."""
        store.record_requests([recorded("d1", n) for n in range(5)], keep=10, not_before="")
        assert [r.path for r in store.recorded_requests("d1", limit=2)] == ["/Users/u3", "/Users/u4"]

    def test_deleting_a_directory_forgets_its_requests(self, store: Any) -> None:
        """delete_directory removes the directory's recorded requests."""
        store.record_requests([recorded("d1", 0)], keep=10, not_before="")
        store.delete_directory("d1")
        assert store.recorded_requests("d1") == []
