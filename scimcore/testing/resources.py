"""The contract of the resources port (:class:`~scimcore.store.ports.Store`) as a reusable pytest suite.

Owns: every behaviour the service relies on from a resources store — copies, uniqueness per directory,
optimistic concurrency, O(changed) member changes, search with filter, sort, paging and cursors (RFC 7644
§3.4.2, RFC 9865).
Must not: touch another port; outbox and directories have their own suites.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pytest

from scimcore.errors import InvalidCursor, NotFound, PreconditionFailed, Uniqueness
from scimcore.filter.parser import parse_filter
from scimcore.schema.paths import resolve_path
from scimcore.store.ports import SUMMARY_KEYS, GroupedGet, MemberSummaries, Query, Store
from scimcore.testing.documents import GROUP, USER, group_doc, ids, user_doc
from scimcore.testing.documents import meta as stored_meta


class StoreContract:
    """Behaviour every :class:`~scimcore.store.port.Store` must show (RFC 7644 semantics the service relies on).

    Set ``reads_page_groups = True`` in a subclass whose store answers :attr:`Query.with_groups` with
    :attr:`Page.groups` (optional for a store; the service asks ``groups_of_many`` otherwise).
    """

    reads_page_groups = False

    @pytest.fixture
    def store(self) -> Store:
        """Override in a subclass: a fresh, empty store."""
        raise NotImplementedError("provide a 'store' fixture returning a fresh store")

    # -- create / get -------------------------------------------------------------------------------
    def test_get_returns_what_was_created(self, store: Store) -> None:
        """A created document comes back equal from get."""
        doc = user_doc("u1", "bjensen", emails=[{"value": "b@corp.local", "type": "work"}])
        store.create(USER, doc)
        assert store.get(USER, "u1") == doc

    def test_get_unknown_is_none(self, store: Store) -> None:
        """Getting an id that was never stored gives None."""
        assert store.get(USER, "nope") is None

    def test_get_returns_a_copy(self, store: Store) -> None:
        """Changing a returned document does not change the stored one."""
        store.create(USER, user_doc("u1", "bjensen", name={"givenName": "B"}))
        first = store.get(USER, "u1")
        assert first is not None
        first["name"]["givenName"] = "changed"
        first["userName"] = "changed"
        again = store.get(USER, "u1")
        assert again is not None and again["name"]["givenName"] == "B" and again["userName"] == "bjensen"

    def test_created_document_is_copied(self, store: Store) -> None:
        """Changing the caller's dict after create does not change the stored document."""
        doc = user_doc("u1", "bjensen")
        store.create(USER, doc)
        doc["userName"] = "changed"
        stored = store.get(USER, "u1")
        assert stored is not None and stored["userName"] == "bjensen"

    def test_user_name_is_unique_case_insensitively(self, store: Store) -> None:
        """A second userName differing only in case is refused with Uniqueness."""
        store.create(USER, user_doc("u1", "BJensen"))
        with pytest.raises(Uniqueness):
            store.create(USER, user_doc("u2", "bjensen"))

    @pytest.mark.parametrize(
        ("first", "second"),
        [("straße", "STRASSE"), ("ｊｏｅ", "joe"), ("caf\u00e9", "cafe\u0301"), ("ıvan", "Ivan")],
        ids=["sharp-s", "full-width", "nfc-nfd", "dotless-i"],
    )
    def test_user_name_is_unique_once_folded(self, store: Store, first: str, second: str) -> None:
        """userNames that differ only in case, width or composition are one name (scimcore.schema.folding)."""
        store.create(USER, user_doc("u1", first))
        with pytest.raises(Uniqueness):
            store.create(USER, user_doc("u2", second))

    def test_user_name_filters_compare_folded(self, store: Store) -> None:
        """Filters on userName compare as uniqueness does: eq, sw, co and ew alike, on the stored spelling."""
        store.create(USER, user_doc("u1", "Straße"))
        store.create(USER, user_doc("u2", "ｊｏｅ"))
        store.create(USER, user_doc("u3", "other"))
        cases = {'userName eq "STRASSE"': ["u1"], 'userName sw "stras"': ["u1"], 'userName co "SS"': ["u1"],
                 'userName eq "JOE"': ["u2"], 'userName ew "OE"': ["u2"], 'userName ne "strasse"': ["u2", "u3"],
                 'userName eq "strasse" or title eq "x"': ["u1"]}
        for text, expected in cases.items():
            assert ids(store.search(USER, Query(filter=parse_filter(text, USER))).resources) == expected, text
        found = store.get(USER, "u1")
        assert found is not None and found["userName"] == "Straße"

    def test_group_display_name_is_unique(self, store: Store) -> None:
        """Group displayName is unique per directory (Microsoft Entra requires it)."""
        store.create(GROUP, group_doc("g1", "Sales"))
        with pytest.raises(Uniqueness):
            store.create(GROUP, group_doc("g2", "sales"))

    def test_uniqueness_is_per_directory(self, store: Store) -> None:
        """The same userName may exist in two directories."""
        store.create(USER, user_doc("u1", "bjensen"), directory="a")
        store.create(USER, user_doc("u2", "bjensen"), directory="b")
        assert store.get(USER, "u1", directory="b") is None
        assert store.get(USER, "u2", directory="a") is None

    # -- replace ------------------------------------------------------------------------------------
    def test_replace_with_current_version(self, store: Store) -> None:
        """Replace succeeds when the expected version is the stored one."""
        store.create(USER, user_doc("u1", "bjensen"))
        new = user_doc("u1", "bjensen2", meta=stored_meta(USER, 2))
        store.replace(USER, new, 'W/"1"')
        assert store.get(USER, "u1") == new

    def test_replace_with_stale_version_fails(self, store: Store) -> None:
        """Replace with a version that moved on raises PreconditionFailed."""
        store.create(USER, user_doc("u1", "bjensen"))
        store.replace(USER, user_doc("u1", "b2", meta=stored_meta(USER, 2)), 'W/"1"')
        with pytest.raises(PreconditionFailed):
            store.replace(USER, user_doc("u1", "b3", meta=stored_meta(USER, 3)), 'W/"1"')

    def test_replace_unknown_fails(self, store: Store) -> None:
        """Replacing a document that does not exist raises NotFound."""
        with pytest.raises(NotFound):
            store.replace(USER, user_doc("u1", "bjensen"), 'W/"1"')

    def test_replace_keeps_uniqueness(self, store: Store) -> None:
        """Renaming to a taken userName raises Uniqueness and leaves the document as it was."""
        store.create(USER, user_doc("u1", "a"))
        store.create(USER, user_doc("u2", "b"))
        with pytest.raises(Uniqueness):
            store.replace(USER, user_doc("u2", "A", meta=stored_meta(USER, 2)), 'W/"1"')
        stored = store.get(USER, "u2")
        assert stored is not None and stored["userName"] == "b"

    def test_replace_frees_the_old_unique_value(self, store: Store) -> None:
        """After a rename, the old userName can be taken by another user."""
        store.create(USER, user_doc("u1", "a"))
        store.replace(USER, user_doc("u1", "z", meta=stored_meta(USER, 2)), 'W/"1"')
        store.create(USER, user_doc("u2", "a"))
        page = store.search(USER, Query(filter=parse_filter('userName eq "a"', USER)))
        assert ids(page.resources) == ["u2"]

    # -- delete -------------------------------------------------------------------------------------
    def test_delete_removes(self, store: Store) -> None:
        """A deleted document is gone and a second delete raises NotFound."""
        store.create(USER, user_doc("u1", "bjensen"))
        store.delete(USER, "u1", None)
        assert store.get(USER, "u1") is None
        with pytest.raises(NotFound):
            store.delete(USER, "u1", None)

    def test_delete_with_stale_version_fails(self, store: Store) -> None:
        """Delete with a wrong expected version raises PreconditionFailed and keeps the document."""
        store.create(USER, user_doc("u1", "bjensen"))
        with pytest.raises(PreconditionFailed):
            store.delete(USER, "u1", 'W/"9"')
        assert store.get(USER, "u1") is not None

    def test_deleting_a_user_removes_its_memberships(self, store: Store) -> None:
        """Deleting a member removes it from every group."""
        store.create(USER, user_doc("u1", "a"))
        store.create(USER, user_doc("u2", "b"))
        store.create(GROUP, group_doc("g1", "G", ["u1", "u2"]))
        store.delete(USER, "u1", None)
        group = store.get(GROUP, "g1")
        assert group is not None and [m["value"] for m in group["members"]] == ["u2"]
        assert store.groups_of("u1") == []

    # -- members ------------------------------------------------------------------------------------
    def test_groups_of_lists_memberships(self, store: Store) -> None:
        """groups_of names every group listing the member, with its display name."""
        store.create(USER, user_doc("u1", "a"))
        store.create(GROUP, group_doc("g1", "One", ["u1"]))
        store.create(GROUP, group_doc("g2", "Two", ["u1"]))
        refs = store.groups_of("u1")
        assert sorted((r.group_id, r.display) for r in refs) == [("g1", "One"), ("g2", "Two")]

    def test_groups_of_many(self, store: Store) -> None:
        """groups_of_many answers for every id asked, members of no group included."""
        store.create(USER, user_doc("u1", "a"))
        store.create(USER, user_doc("u2", "b"))
        store.create(GROUP, group_doc("g1", "One", ["u1"]))
        found = store.groups_of_many(["u1", "u2"])
        assert {k: [(r.group_id, r.display) for r in v] for k, v in found.items()} == {"u1": [("g1", "One")], "u2": []}

    def test_a_resource_read_with_its_groups_matches_get_and_groups_of(self, store: Store) -> None:
        """get_with_groups (optional, GroupedGet) gives exactly get and groups_of; None for a missing id."""
        if not isinstance(store, GroupedGet):
            pytest.skip("the store does not read a resource with its groups (optional)")
        store.create(USER, user_doc("u1", "a"))
        store.create(USER, user_doc("u2", "b"))
        store.create(GROUP, group_doc("g1", "One", ["u1"]))
        store.create(GROUP, group_doc("g2", "Two", ["u1"]))
        for uid in ("u1", "u2"):
            found = store.get_with_groups(USER, uid)
            assert found is not None
            doc, refs = found
            assert doc == store.get(USER, uid)
            assert [(r.group_id, r.display) for r in refs] == [(r.group_id, r.display) for r in store.groups_of(uid)]
        assert store.get_with_groups(USER, "nobody") is None
        assert store.get_with_groups(USER, "u1", directory="elsewhere") is None

    def test_member_summaries_match_resource_types_of_and_get(self, store: Store) -> None:
        """summaries_of (optional, MemberSummaries) says what resource_types_of and get say; misses left out."""
        if not isinstance(store, MemberSummaries):
            pytest.skip("the store does not summarise many resources in one read (optional)")
        store.create(USER, user_doc("u1", "a", externalId="x-1", displayName="Ann"))
        store.create(USER, user_doc("u2", "b"))
        store.create(GROUP, group_doc("g1", "One", ["u1"]))
        ids = ["u1", "u2", "g1", "nobody"]
        expected = {}
        for rid, type_name in store.resource_types_of(ids).items():
            doc = store.get(USER if type_name == USER.name else GROUP, rid)
            assert doc is not None
            expected[rid] = {"id": rid, "type": type_name, **{k: doc[k] for k in SUMMARY_KEYS if doc.get(k)}}
        assert store.summaries_of(ids) == expected
        assert expected["u1"] == {
            "id": "u1", "type": "User", "userName": "a", "displayName": "Ann", "externalId": "x-1",
        }
        assert store.summaries_of(ids, directory="elsewhere") == {}

    def test_groups_read_with_a_page_match_groups_of_many(self, store: Store) -> None:
        """A page read with_groups carries exactly the groups groups_of_many gives, or none if not supported."""
        store.create(USER, user_doc("u1", "a"))
        store.create(USER, user_doc("u2", "b"))
        store.create(GROUP, group_doc("g1", "One", ["u1", "u2"]))
        store.create(GROUP, group_doc("g2", "Two", ["u1"]))
        page = store.search(USER, Query(with_groups=True))
        assert store.search(USER, Query()).groups is None
        if page.groups is None:
            assert not self.reads_page_groups, "with_groups was set, but the page carries no groups"
            return
        assert page.groups == store.groups_of_many(["u1", "u2"])
        assert [r.group_id for r in page.groups["u1"]] == ["g1", "g2"]

    def test_change_members_adds_and_removes(self, store: Store) -> None:
        """change_members reports what it really added and removed."""
        for i in range(3):
            store.create(USER, user_doc(f"u{i}", f"user{i}"))
        store.create(GROUP, group_doc("g1", "G", ["u0"]))
        added, removed = store.change_members(
            GROUP, "g1", [{"value": "u1", "type": "User"}, {"value": "u0", "type": "User"}], ["u2"],
            lambda meta: stored_meta(GROUP, 2), 'W/"1"',
        )
        assert (added, removed) == (["u1"], [])
        group = store.get(GROUP, "g1")
        assert group is not None and [m["value"] for m in group["members"]] == ["u0", "u1"]
        assert group["meta"]["version"] == 'W/"2"'

    def test_change_members_without_change_keeps_meta(self, store: Store) -> None:
        """Re-adding present members and removing absent ones changes nothing, not even meta."""
        store.create(USER, user_doc("u1", "a"))
        store.create(GROUP, group_doc("g1", "G", ["u1"]))
        added, removed = store.change_members(
            GROUP, "g1", [{"value": "u1", "type": "User"}], ["u9"], lambda meta: stored_meta(GROUP, 2), 'W/"1"'
        )
        assert (added, removed) == ([], [])
        group = store.get(GROUP, "g1")
        assert group is not None and group["meta"]["version"] == 'W/"1"'

    def test_change_members_checks_version(self, store: Store) -> None:
        """change_members with a stale version raises PreconditionFailed."""
        store.create(GROUP, group_doc("g1", "G"))
        with pytest.raises(PreconditionFailed):
            store.change_members(GROUP, "g1", [], [], lambda meta: stored_meta(GROUP, 2), 'W/"7"')

    def test_omit_members(self, store: Store) -> None:
        """get and search leave out members when asked to omit them."""
        store.create(USER, user_doc("u1", "a"))
        store.create(GROUP, group_doc("g1", "G", ["u1"]))
        got = store.get(GROUP, "g1", omit=frozenset({"members"}))
        assert got is not None and "members" not in got
        page = store.search(GROUP, Query(omit=frozenset({"members"})))
        assert "members" not in page.resources[0]

    def test_resource_types_of(self, store: Store) -> None:
        """resource_types_of tells which ids exist and of which type."""
        store.create(USER, user_doc("u1", "a"))
        store.create(GROUP, group_doc("g1", "G"))
        assert store.resource_types_of(["u1", "g1", "x"]) == {"u1": "User", "g1": "Group"}

    def test_concurrent_member_changes_lose_nothing(self, store: Store) -> None:
        """Eight threads adding different members to one group lose none (with retries on version moves)."""
        for i in range(40):
            store.create(USER, user_doc(f"u{i}", f"user{i}"))
        store.create(GROUP, group_doc("g1", "G"))

        def bump(meta: Mapping[str, Any]) -> dict[str, Any]:
            return stored_meta(GROUP, int(meta["version"][3:-1]) + 1)

        def add(worker: int) -> None:
            for i in range(worker, 40, 8):
                store.change_members(GROUP, "g1", [{"value": f"u{i}", "type": "User"}], [], bump, None)

        threads = [threading.Thread(target=add, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        group = store.get(GROUP, "g1")
        assert group is not None and sorted(m["value"] for m in group["members"]) == sorted(f"u{i}" for i in range(40))
        assert group["meta"]["version"] == 'W/"41"'

    def test_change_members_without_expected_version(self, store: Store) -> None:
        """Without an expected version, member changes apply to whatever version is current."""
        store.create(USER, user_doc("u1", "a"))
        store.create(GROUP, group_doc("g1", "G"))
        store.replace(GROUP, group_doc("g1", "G", meta=stored_meta(GROUP, 5)), 'W/"1"')
        added, _ = store.change_members(
            GROUP, "g1", [{"value": "u1", "type": "User"}], [], lambda meta: stored_meta(GROUP, 6), None
        )
        group = store.get(GROUP, "g1")
        assert added == ["u1"] and group is not None and group["meta"]["version"] == 'W/"6"'

    # -- search -------------------------------------------------------------------------------------
    def _seed(self, store: Store, n: int = 12) -> None:
        for i in range(n):
            store.create(
                USER,
                user_doc(
                    f"u{i:02d}",
                    f"user{i:02d}",
                    active=i % 2 == 0,
                    title=None if i % 3 == 0 else f"title {i % 4}",
                    emails=[{"value": f"user{i}@corp.local", "type": "work"}],
                ),
            )

    def test_search_without_filter_lists_all_in_stable_order(self, store: Store) -> None:
        """Without sortBy, pages come in a stable order that covers every document once."""
        self._seed(store)
        seen: list[str] = []
        for start in range(1, 13, 5):
            page = store.search(USER, Query(start_index=start, count=5))
            assert page.total == 12
            seen += ids(page.resources)
        assert sorted(seen) == sorted(set(seen)) and len(seen) == 12

    def test_search_filters(self, store: Store) -> None:
        """A filter returns exactly the matching documents and counts them all."""
        self._seed(store)
        page = store.search(USER, Query(filter=parse_filter("active eq true", USER), count=2))
        assert page.total == 6 and len(page.resources) == 2

    def test_search_eq_is_case_insensitive_for_user_name(self, store: Store) -> None:
        """userName eq matches in any case (caseExact false)."""
        self._seed(store)
        page = store.search(USER, Query(filter=parse_filter('userName eq "USER03"', USER)))
        assert ids(page.resources) == ["u03"]

    def test_search_value_path(self, store: Store) -> None:
        """Value filters on multi-valued attributes match per value."""
        self._seed(store)
        page = store.search(USER, Query(filter=parse_filter('emails[type eq "work" and value sw "user1"]', USER)))
        assert sorted(ids(page.resources)) == ["u01", "u10", "u11"]

    def test_search_count_zero_gives_only_total(self, store: Store) -> None:
        """count 0 returns the total and no documents."""
        self._seed(store)
        page = store.search(USER, Query(count=0))
        assert page.total == 12 and page.resources == []

    def test_search_start_beyond_end(self, store: Store) -> None:
        """A start index past the last match returns no documents but the full total."""
        self._seed(store)
        page = store.search(USER, Query(start_index=50, count=10))
        assert page.total == 12 and page.resources == []

    def test_sort_ascending_and_descending_missing_last(self, store: Store) -> None:
        """Sorting puts documents without the attribute last in both orders, ties stable."""
        self._seed(store)
        path = resolve_path(USER, None, "title", None)
        up = store.search(USER, Query(sort_by=path))
        down = store.search(USER, Query(sort_by=path, descending=True))
        titles_up = [d.get("title") for d in up.resources]
        titles_down = [d.get("title") for d in down.resources]
        present_up = [t for t in titles_up if t is not None]
        assert present_up == sorted(present_up) and titles_up[-4:] == [None] * 4
        present_down = [t for t in titles_down if t is not None]
        assert present_down == sorted(present_down, reverse=True) and titles_down[-4:] == [None] * 4

    def test_search_is_scoped_to_directory(self, store: Store) -> None:
        """A search in one directory never returns another directory's documents."""
        store.create(USER, user_doc("u1", "a"), directory="one")
        store.create(USER, user_doc("u2", "b"), directory="two")
        assert ids(store.search(USER, Query(), directory="one").resources) == ["u1"]

    def test_search_members_filter(self, store: Store) -> None:
        """Groups can be found by a member's value."""
        store.create(USER, user_doc("u1", "a"))
        store.create(GROUP, group_doc("g1", "One", ["u1"]))
        store.create(GROUP, group_doc("g2", "Two"))
        page = store.search(GROUP, Query(filter=parse_filter('members[value eq "u1"]', GROUP)))
        assert ids(page.resources) == ["g1"]

    def test_search_users_by_group(self, store: Store) -> None:
        """Users can be found by the computed ``groups`` (RFC 7643 §4.1.2), ``eq`` and in a value filter."""
        store.create(USER, user_doc("u1", "a"))
        store.create(USER, user_doc("u2", "b"))
        store.create(USER, user_doc("u3", "c"))
        store.create(GROUP, group_doc("g1", "One", ["u1", "u3"]))
        store.create(GROUP, group_doc("g2", "Two", ["u2"]))
        for text in ('groups.value eq "g1"', 'groups[value eq "g1"]', 'groups.value eq "g1" and userName ne "c"'):
            found = ids(store.search(USER, Query(filter=parse_filter(text, USER))).resources)
            assert sorted(found) == (["u1", "u3"] if "ne" not in text else ["u1"]), text
        assert ids(store.search(USER, Query(filter=parse_filter('groups.value eq "nope"', USER))).resources) == []

    # -- cursors (RFC 9865) -------------------------------------------------------------------------
    def test_cursor_pages_cover_everything_once(self, store: Store) -> None:
        """Following next positions from the first page visits every document once, in a stable order."""
        self._seed(store, 11)
        seen: list[str] = []
        after: str | None = ""
        pages = 0
        while after is not None:
            page = store.search(USER, Query(count=4, after=after))
            assert page.total == 11
            seen += ids(page.resources)
            after = page.next_after
            pages += 1
        assert pages == 3 and len(seen) == 11 and len(set(seen)) == 11

    def test_cursor_previous_position(self, store: Store) -> None:
        """The position before the second page leads back to the first page."""
        self._seed(store, 9)
        first = store.search(USER, Query(count=4, after=""))
        assert first.before is None and first.next_after is not None
        second = store.search(USER, Query(count=4, after=first.next_after))
        assert second.before is not None
        again = store.search(USER, Query(count=4, after=second.before))
        assert ids(again.resources) == ids(first.resources)

    def test_cursor_with_filter_and_sort(self, store: Store) -> None:
        """Cursor paging works with a filter and a sort too."""
        self._seed(store, 12)
        path = resolve_path(USER, None, "userName", None)
        query_filter = parse_filter("active eq true", USER)
        seen: list[str] = []
        after: str | None = ""
        while after is not None:
            page = store.search(USER, Query(filter=query_filter, sort_by=path, descending=True, count=4, after=after))
            seen += ids(page.resources)
            after = page.next_after
        assert seen == [f"u{i:02d}" for i in range(10, -1, -2)]

    def test_cursor_unknown_position_is_refused(self, store: Store) -> None:
        """A position the store never issued raises InvalidCursor."""
        self._seed(store, 3)
        with pytest.raises(InvalidCursor):
            store.search(USER, Query(count=2, after="zz:top"))

    def test_delete_moves_the_version_of_groups_it_left(self, store: Store) -> None:
        """Deleting a member reports the groups it left and moves their meta on."""
        store.create(USER, user_doc("u1", "a"))
        store.create(GROUP, group_doc("g1", "One", ["u1"]))
        store.create(GROUP, group_doc("g2", "Two"))
        left = store.delete(USER, "u1", None, next_meta=lambda meta: {**meta, "version": 'W/"2"'})
        assert [(ref.group_id, ref.display) for ref in left] == [("g1", "One")]
        one, two = store.get(GROUP, "g1"), store.get(GROUP, "g2")
        assert one is not None and one["meta"]["version"] == 'W/"2"'
        assert two is not None and two["meta"]["version"] == 'W/"1"'
