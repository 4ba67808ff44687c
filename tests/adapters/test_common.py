"""What both adapters share: prefix handling and the base URL of the service root."""

from __future__ import annotations

import pytest

from scimcore.adapters.common import base_url, normalise_prefix, strip_prefix


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
