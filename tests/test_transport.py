"""The transport values exchanged with adapters: ScimRequest and ScimResponse."""

from __future__ import annotations

import dataclasses

import pytest

from scimcore.transport import ScimRequest, ScimResponse


def test_query_params_first_value_wins() -> None:
    """A repeated parameter keeps its first value."""
    assert ScimRequest("GET", "/Users", query="count=1&count=2").query_params() == {"count": "1"}


def test_bare_flag_maps_to_empty_string() -> None:
    """Entra's bare ``aadOptscim062020`` flag is a parameter with an empty value."""
    params = ScimRequest("GET", "/Users", query="aadOptscim062020&filter=userName%20eq%20%22a%22").query_params()
    assert params == {"aadOptscim062020": "", "filter": 'userName eq "a"'}


def test_no_query_gives_no_params() -> None:
    """A request without a query string has no parameters."""
    assert ScimRequest("GET", "/Users").query_params() == {}


def test_request_is_immutable() -> None:
    """A request value cannot be changed after it is built."""
    request = ScimRequest("GET", "/Users")
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.path = "/Groups"  # type: ignore[misc]


def test_response_header_lookup_is_case_insensitive() -> None:
    """``header`` finds a header whatever the case of its name, and ``None`` when absent."""
    response = ScimResponse(200, (("ETag", 'W/"1"'), ("Content-Type", "application/scim+json")))
    assert response.header("etag") == 'W/"1"'
    assert response.header("location") is None
