"""What both adapters share: options, prefix handling, directory routing and the base URL of the service root."""

from __future__ import annotations

import dataclasses

import pytest

from scimcore.adapters import common
from scimcore.adapters.common import (
    AdapterOptions,
    Target,
    base_url,
    build_request,
    locate,
    normalise_prefix,
    strip_prefix,
)
from scimcore.errors import NotFound
from scimcore.service import routing
from tests.conftest import make_service


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("", ""), ("/", ""), ("scim/v2", "/scim/v2"), ("/scim/v2/", "/scim/v2"), ("//scim//", "/scim")],
)
def test_normalise_prefix(prefix: str, expected: str) -> None:
    """A prefix gets one leading slash and no trailing slash; the root is the empty prefix."""
    assert normalise_prefix(prefix) == expected


@pytest.mark.parametrize(
    ("path", "prefix", "expected"),
    [
        ("/Users", "", "/Users"),
        ("", "", "/"),
        ("/scim/v2/Users", "/scim/v2", "/Users"),
        ("/scim/v2", "/scim/v2", "/"),
        ("/scim/v2/", "/scim/v2", "/"),
        ("/scim/v2x/Users", "/scim/v2", None),
        ("/scim", "/scim/v2", None),
        ("/other/scim/v2/Users", "/scim/v2", None),
    ],
)
def test_strip_prefix(path: str, prefix: str, expected: str | None) -> None:
    """The path below the prefix, or None when the path is outside it (segment boundaries respected)."""
    assert strip_prefix(path, prefix) == expected


FORWARDED = {"x-forwarded-proto": "https", "x-forwarded-host": "public.example", "x-forwarded-prefix": "/p/"}


@pytest.mark.parametrize(
    ("scheme", "headers", "server", "root", "trust", "expected"),
    [
        ("http", {"host": "h.example:8080"}, None, "/scim/v2", False, "http://h.example:8080/scim/v2"),
        ("https", {}, ("srv", 443), "", False, "https://srv"),
        ("http", {}, ("srv", 80), "", False, "http://srv"),
        ("http", {}, ("srv", 8080), "/r", False, "http://srv:8080/r"),
        ("https", {}, ("srv", 80), "", False, "https://srv:80"),
        ("http", {}, ("srv", None), "", False, "http://srv"),
        ("http", {}, None, "", False, "http://localhost"),
        ("http", {"host": "h", **FORWARDED}, None, "/scim", False, "http://h/scim"),
        ("http", {"host": "h", **FORWARDED}, None, "/scim", True, "https://public.example/p/scim"),
        ("http", {"host": "h", "x-forwarded-proto": "https"}, None, "", True, "https://h"),
        ("http", {"host": "h", "x-forwarded-host": "a.example, b.example"}, None, "", True, "http://a.example"),
        ("http", {"host": "h", "x-forwarded-proto": ""}, None, "", True, "http://h"),
    ],
)
def test_base_url(
    scheme: str,
    headers: dict[str, str],
    server: tuple[str, int | None] | None,
    root: str,
    trust: bool,
    expected: str,
) -> None:
    """The base URL comes from Host (else the server address), and from X-Forwarded-* only when trusted."""
    assert base_url(scheme, headers, server, root, trust) == expected


def test_directory_rule_is_the_services() -> None:
    """ROOT_ENDPOINTS and split_directory are the service routing module's, re-exported, not copied."""
    assert common.ROOT_ENDPOINTS is routing.ROOT_ENDPOINTS
    assert common.split_directory is routing.split_directory


def test_options_are_normalised_from_the_service() -> None:
    """AdapterOptions.of normalises the prefix and takes the body bound and endpoints from the service."""
    service = make_service(max_body_bytes=123)
    options = AdapterOptions.of(service, prefix="scim/v2/")
    assert (options.prefix, options.max_body_bytes) == ("/scim/v2", 123)
    assert options.endpoints == routing.directory_endpoints(service.registry)


def test_options_are_frozen() -> None:
    """AdapterOptions cannot be changed after it is built."""
    options = AdapterOptions.of(make_service())
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.prefix = "/other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("path", "directories", "expected"),
    [
        ("/scim/v2/Users/1", False, Target("/Users/1", "default", "/m/scim/v2")),
        ("/scim/v2/acme/Users/1", False, Target("/acme/Users/1", "default", "/m/scim/v2")),
        ("/scim/v2/acme/Users/1", True, Target("/Users/1", "acme", "/m/scim/v2/acme", "/acme")),
        ("/scim/v2/Schemas", True, Target("/Schemas", "default", "/m/scim/v2")),
    ],
)
def test_locate(path: str, directories: bool, expected: Target) -> None:
    """locate strips the prefix, splits off a directory when directories are on and keeps the mount in the root."""
    options = AdapterOptions.of(make_service(), prefix="/scim/v2", directories=directories)
    assert locate(options, path, "/m") == expected


@pytest.mark.parametrize("default", ["default", None])
def test_locate_outside_the_prefix_is_not_found(default: str | None) -> None:
    """A path outside the prefix is a NotFound whatever the default directory."""
    options = AdapterOptions.of(make_service(), prefix="/scim/v2", directories=True, default_directory=default)
    with pytest.raises(NotFound, match="No SCIM endpoint at '/other/Users'"):
        locate(options, "/other/Users")


def test_build_request_carries_the_target_and_the_base_url() -> None:
    """build_request fills path and directory from the target and base_url from the headers and root."""
    options = AdapterOptions.of(make_service(), prefix="/scim/v2", directories=True)
    request = build_request(
        options,
        locate(options, "/scim/v2/acme/Users", "/m"),
        method="POST",
        query="count=1",
        headers={"host": "h.example"},
        body=b"{}",
        scheme="https",
        server=None,
    )
    assert (request.method, request.path, request.query, request.body) == ("POST", "/Users", "count=1", b"{}")
    assert (request.directory, request.base_url) == ("acme", "https://h.example/m/scim/v2/acme")
