"""Limits end to end: body, filter, count, Bulk, operations per PATCH, and the per-directory rate limit (429)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from scimcore import BearerTokens, MemoryStore, ScimRequest, ScimService, ServiceConfig
from scimcore.cli import main
from scimcore.limits import RateLimit, RateLimiter
from scimcore.store.port import DEFAULT_DIRECTORY
from tests.conftest import BASE_URL, PATCH_OP, TOKEN, USER_SCHEMA, Client, Result, StepClock, make_service

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _is_scim_error(result: Result, status: int) -> None:
    assert result.status == status, result.json
    assert result.json["schemas"] == [ERROR]
    assert result.json["status"] == str(status)
    assert result.json["detail"]


# -- limits that exist already, held end to end ---------------------------------------------------------


def test_default_limits() -> None:
    """The defaults: 4 MiB bodies, 1000 results a page, 1000 bulk operations, 1000 operations a PATCH, no rate."""
    config = ServiceConfig()
    assert config.max_body_bytes == 4 * 1024 * 1024
    assert config.max_page_size == 1000
    assert config.bulk_max_operations == 1000
    assert config.patch_max_operations == 1000
    assert config.rate_limit_requests == 0


def test_body_over_four_mebibytes_is_413() -> None:
    """A body one byte over the default 4 MiB answers 413 before it is parsed."""
    client = Client(make_service())
    result = client.request("POST", "/Users", raw=b" " * (4 * 1024 * 1024 + 1))
    _is_scim_error(result, 413)


@pytest.mark.parametrize(
    "text",
    [
        " or ".join(f'userName eq "u{i}"' for i in range(5000)),
        "(" * 2000 + 'userName eq "a"' + ")" * 2000,
        "not (" * 1000 + 'userName eq "a"' + ")" * 1000,
    ],
    ids=["5000-term-or", "2000-nested-parentheses", "1000-nested-nots"],
)
def test_hostile_filters_are_400_invalid_filter(text: str) -> None:
    """A 5,000-term ``or`` or 2,000 nested parentheses answer 400 invalidFilter on GET and on .search."""
    client = Client(make_service())
    client.create_user("a")
    listed = client.get("/Users", query="filter=" + quote(text))
    _is_scim_error(listed, 400)
    assert listed.json["scimType"] == "invalidFilter"
    searched = client.post("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                              "filter": text})
    _is_scim_error(searched, 400)
    assert searched.json["scimType"] == "invalidFilter"


def test_count_above_the_maximum_is_capped_not_refused() -> None:
    """count=1000000 is served with at most max_page_size resources."""
    client = Client(make_service(max_page_size=2))
    for name in "abc":
        client.create_user(name)
    result = client.get("/Users", query="count=1000000")
    assert result.status == 200
    assert result.json["itemsPerPage"] == 2 and result.json["totalResults"] == 3


# -- operations per PATCH -----------------------------------------------------------------------------


def _ops(n: int) -> list[dict[str, Any]]:
    return [{"op": "replace", "path": "displayName", "value": f"d{i}"} for i in range(n)]


def test_patch_at_the_operation_limit_is_served() -> None:
    """A PATCH with exactly patch_max_operations operations is applied."""
    client = Client(make_service(patch_max_operations=3))
    user = client.create_user("alice")
    result = client.patch(f"/Users/{user['id']}", _ops(3))
    assert result.status == 200 and result.json["displayName"] == "d2"


def test_patch_over_the_operation_limit_is_400_and_changes_nothing() -> None:
    """One operation over the limit answers 400 naming both numbers, and the resource keeps its version."""
    client = Client(make_service(patch_max_operations=3))
    user = client.create_user("alice")
    result = client.patch(f"/Users/{user['id']}", _ops(4))
    _is_scim_error(result, 400)
    assert "4 operations" in result.json["detail"] and "at most 3" in result.json["detail"]
    after = client.get(f"/Users/{user['id']}").json
    assert after["meta"]["version"] == user["meta"]["version"] and "displayName" not in after


def test_default_patch_limit_refuses_1001_operations() -> None:
    """Under the defaults, 1,001 operations in one PATCH answer 400; 1,000 are served."""
    client = Client(make_service())
    user = client.create_user("alice")
    _is_scim_error(client.patch(f"/Users/{user['id']}", _ops(1001)), 400)
    assert client.patch(f"/Users/{user['id']}", _ops(1000)).status == 200


def test_member_only_patch_counts_against_the_limit() -> None:
    """A PATCH of member additions is refused above the limit too (it never reaches the member fast path)."""
    client = Client(make_service(patch_max_operations=2))
    group = client.create_group("g")
    users = [client.create_user(f"u{i}")["id"] for i in range(3)]
    ops = [{"op": "add", "path": "members", "value": [{"value": u}]} for u in users]
    _is_scim_error(client.patch(f"/Groups/{group['id']}", ops), 400)
    assert "members" not in client.get(f"/Groups/{group['id']}").json


def test_patch_limit_holds_inside_bulk() -> None:
    """A PATCH operation of a Bulk request over the limit fails with 400 in its own result."""
    client = Client(make_service(patch_max_operations=1))
    user = client.create_user("alice")
    body = {"schemas": [BULK_REQUEST], "Operations": [
        {"method": "PATCH", "path": f"/Users/{user['id']}", "data": {"schemas": [PATCH_OP], "Operations": _ops(2)}}]}
    result = client.post("/Bulk", body)
    assert result.status == 200
    assert result.json["Operations"][0]["status"] == "400"


def test_patch_limit_is_not_advertised() -> None:
    """ServiceProviderConfig's patch entry stays as RFC 7643 §5 defines it: only ``supported``."""
    client = Client(make_service(patch_max_operations=7))
    assert client.get("/ServiceProviderConfig").json["patch"] == {"supported": True}


# -- rate limiting --------------------------------------------------------------------------------------


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _limited(requests: int, seconds: float, ticker: Ticker, **config: Any) -> ScimService:
    return ScimService(
        MemoryStore(),
        authenticator=BearerTokens([TOKEN]),
        config=ServiceConfig(rate_limit_requests=requests, rate_limit_seconds=seconds, **config),
        clock=StepClock(),
        monotonic=ticker,
    )


def _get(service: ScimService, directory: str | None = None, token: str = TOKEN) -> Result:
    headers = {"authorization": f"Bearer {token}"}
    return Result(service.handle(ScimRequest("GET", "/Users", "", headers, b"", BASE_URL, directory=directory)))


def test_rate_limit_is_off_by_default() -> None:
    """Without a configured rate, a burst of requests is all served."""
    service = make_service()
    assert {_get(service).status for _ in range(200)} == {200}


def test_over_the_rate_is_429_with_retry_after() -> None:
    """Past the burst a request answers 429, a SCIM error with Retry-After in whole seconds."""
    ticker = Ticker()
    service = _limited(3, 10.0, ticker)
    assert [_get(service).status for _ in range(3)] == [200, 200, 200]
    refused = _get(service)
    _is_scim_error(refused, 429)
    assert refused.header("Retry-After") == "4"  # one request per 3.33 s: the next is due in 3.33 s
    assert "3 requests per 10 s" in refused.json["detail"]


def test_waiting_retry_after_is_enough() -> None:
    """After waiting the Retry-After seconds a request is served again."""
    ticker = Ticker()
    service = _limited(1, 2.0, ticker)
    assert _get(service).status == 200
    refused = _get(service)
    assert refused.status == 429
    ticker.now += int(refused.header("Retry-After") or "0")
    assert _get(service).status == 200


def test_a_refused_request_does_not_spend_the_budget() -> None:
    """Requests refused with 429 take no token: a client retrying early is not locked out for longer."""
    ticker = Ticker()
    service = _limited(1, 1.0, ticker)
    assert _get(service).status == 200
    for _ in range(50):
        assert _get(service).status == 429
    ticker.now += 1.0
    assert _get(service).status == 200


def test_directories_have_their_own_buckets() -> None:
    """One directory at its limit does not slow another one down."""
    ticker = Ticker()
    service = _limited(2, 60.0, ticker)
    assert [_get(service, "a").status for _ in range(3)] == [200, 200, 429]
    assert [_get(service, "b").status for _ in range(2)] == [200, 200]
    assert _get(service, DEFAULT_DIRECTORY).status == 200


def test_unauthenticated_requests_do_not_spend_a_directorys_budget() -> None:
    """Requests with a wrong token answer 401 and leave the directory's budget to its identity provider."""
    ticker = Ticker()
    service = _limited(2, 60.0, ticker)
    assert {_get(service, token="wrong").status for _ in range(20)} == {401}
    assert [_get(service).status for _ in range(2)] == [200, 200]


def test_a_bulk_request_counts_once() -> None:
    """A Bulk request spends one request of the budget however many operations it carries."""
    ticker = Ticker()
    service = _limited(2, 60.0, ticker)
    client = Client(service)
    ops = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}",
            "data": {"schemas": [USER_SCHEMA], "userName": f"user{i}"}} for i in range(5)]
    result = client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": ops})
    assert [op["status"] for op in result.json["Operations"]] == ["201"] * 5
    assert client.get("/Users").status == 200
    assert client.get("/Users").status == 429


def test_rate_limit_holds_under_the_asgi_adapter() -> None:
    """Through the ASGI adapter the 429 carries Retry-After as an HTTP header."""
    import asyncio

    import httpx

    from scimcore.asgi import ScimASGI

    app = ScimASGI(_limited(1, 5.0, Ticker()), prefix="/scim/v2")

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://idp.test") as client:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            return [await client.get("/scim/v2/Users", headers=headers) for _ in range(2)]

    first, second = asyncio.run(go())
    assert first.status_code == 200
    assert second.status_code == 429 and second.headers["retry-after"] == "5"
    assert json.loads(second.content)["status"] == "429"


@pytest.mark.parametrize(
    ("text", "requests", "seconds"),
    [("100/60", 100, 60.0), ("10", 10, 1.0), (" 5/0.5 ", 5, 0.5), ("1/3600", 1, 3600.0)],
)
def test_rate_limit_parses_n_per_s(text: str, requests: int, seconds: float) -> None:
    """``N/S`` is N requests per S seconds; a bare N is per second."""
    assert RateLimit.parse(text) == RateLimit(requests, seconds)


@pytest.mark.parametrize("text", ["", "x", "0/1", "-1/1", "5/0", "5/-2", "5/abc", "5/inf", "1.5/1"])
def test_rate_limit_refuses_nonsense(text: str) -> None:
    """Zero, negative, infinite or non-numeric rates are refused with a message showing the form."""
    with pytest.raises(ValueError, match="N/S|at least 1"):
        RateLimit.parse(text)


def test_retry_after_is_never_zero() -> None:
    """A wait shorter than a second still asks for one whole second (Retry-After is an integer)."""
    assert RateLimiter.retry_after(0.01) == 1
    assert RateLimiter.retry_after(1.0) == 1
    assert RateLimiter.retry_after(1.2) == 2


def test_refilled_buckets_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_BUCKETS, buckets that have refilled are dropped, so many directories cost no lasting memory."""
    import scimcore.limits

    monkeypatch.setattr(scimcore.limits, "MAX_BUCKETS", 10)
    ticker = Ticker()
    limiter = RateLimiter(RateLimit(5, 1.0), ticker)
    for i in range(10):
        limiter.acquire(f"d{i}")
    ticker.now += 5
    limiter.acquire("busy")
    assert len(limiter._buckets) <= 2


def test_serve_refuses_a_malformed_rate_limit() -> None:
    """``scimcore serve --rate-limit lots`` is a usage error that shows the N/S form."""
    result = CliRunner().invoke(main, ["serve", "--database", "memory", "--rate-limit", "lots"])
    assert result.exit_code == 2
    assert "N/S" in result.output
