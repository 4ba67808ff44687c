"""Cursor-based paging (RFC 9865) through the service."""

from __future__ import annotations

from scimcore.cursors import CursorCodec
from tests.conftest import Client


def _seed(client: Client, n: int) -> list[str]:
    return [client.create_user(f"user{i:02d}")["id"] for i in range(n)]


def test_cursor_pages_walk_the_collection(client: Client) -> None:
    """Following nextCursor from cursor= visits every user once; the last page has no nextCursor."""
    ids = _seed(client, 7)
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        page = client.get("/Users", query=f"cursor={cursor}&count=3").json
        assert "startIndex" not in page and page["totalResults"] == 7
        seen += [r["id"] for r in page["Resources"]]
        if "nextCursor" not in page:
            break
        cursor = page["nextCursor"]
    assert seen == ids


def test_previous_cursor_returns_to_the_page_before(client: Client) -> None:
    """previousCursor of the second page gives the first page again."""
    _seed(client, 5)
    first = client.get("/Users", query="cursor=&count=2").json
    assert "previousCursor" not in first
    second = client.get("/Users", query=f"cursor={first['nextCursor']}&count=2").json
    back = client.get("/Users", query=f"cursor={second['previousCursor']}&count=2").json
    assert [r["id"] for r in back["Resources"]] == [r["id"] for r in first["Resources"]]


def test_forged_cursor_is_invalid(client: Client) -> None:
    """A cursor not issued by the service is refused with 400 invalidCursor."""
    _seed(client, 2)
    result = client.get("/Users", query="cursor=AAAAAAAAAAAAAAAAbzo1&count=1")
    assert result.status == 400 and result.json["scimType"] == "invalidCursor"


def test_cursor_is_bound_to_its_query(client: Client) -> None:
    """A cursor issued for one filter is refused for another."""
    _seed(client, 4)
    page = client.get("/Users", query="cursor=&count=1&filter=userName%20sw%20%22user%22").json
    result = client.get("/Users", query=f"cursor={page['nextCursor']}&count=1")
    assert result.status == 400 and result.json["scimType"] == "invalidCursor"


def test_cursor_and_start_index_together_are_refused(client: Client) -> None:
    """cursor and startIndex in one request answer 400 invalidValue."""
    result = client.get("/Users", query="cursor=&startIndex=2")
    assert result.status == 400 and result.json["scimType"] == "invalidValue"


def test_service_provider_config_advertises_cursor_paging(client: Client) -> None:
    """The ServiceProviderConfig says cursor and index paging are both supported."""
    pagination = client.get("/ServiceProviderConfig").json["pagination"]
    assert pagination["cursor"] is True and pagination["index"] is True
    assert pagination["defaultPaginationMethod"] == "index"


def test_codec_round_trip() -> None:
    """A cursor opens to the position it was issued for, under the same scope only."""
    codec = CursorCodec(b"k" * 32)
    token = codec.issue("o:40", "User|x")
    assert codec.open(token, "User|x") == "o:40" and codec.open("", "User|x") == ""
