"""What both adapters share: mount-prefix handling and the base URL of the service root.

Adapters only translate between a server's request shape and :class:`~scimcore.transport.ScimRequest`; they
hold no SCIM rules.  Forwarded headers are honoured only when the deployment says a trusted proxy sets them.
"""

from __future__ import annotations

from collections.abc import Mapping


def normalise_prefix(prefix: str) -> str:
    """``"scim/v2/"`` → ``"/scim/v2"``; ``""`` and ``"/"`` → ``""``."""
    prefix = "/" + prefix.strip("/")
    return "" if prefix == "/" else prefix


def strip_prefix(path: str, prefix: str) -> str | None:
    """The path below ``prefix``, or ``None`` when the path is outside it."""
    if not prefix:
        return path or "/"
    if path == prefix:
        return "/"
    if path.startswith(prefix + "/"):
        return path[len(prefix) :]
    return None


def base_url(
    scheme: str, headers: Mapping[str, str], server: tuple[str, int | None] | None, root: str, trust_forwarded: bool
) -> str:
    """The absolute URL of the SCIM service root as the client sees it (for ``Location``, RFC 7644 §3.1)."""
    host = headers.get("host")
    if trust_forwarded:
        scheme = headers.get("x-forwarded-proto", scheme).split(",")[0].strip() or scheme
        host = headers.get("x-forwarded-host", host or "").split(",")[0].strip() or host
        root = headers.get("x-forwarded-prefix", "").rstrip("/") + root
    if not host:
        if server is not None:
            name, port = server
            default = 443 if scheme == "https" else 80
            host = name if port in (None, default) else f"{name}:{port}"
        else:
            host = "localhost"
    return f"{scheme}://{host}{root}"


# Endpoints of RFC 7644 that sit directly under the SCIM root; any other first segment names a directory.
ROOT_ENDPOINTS = frozenset({"serviceproviderconfig", "resourcetypes", "schemas", "bulk", "me", ".search"})


def split_directory(path: str, endpoints: frozenset[str]) -> tuple[str | None, str]:
    """Split ``/<directory>/Users/1`` into ``("<directory>", "/Users/1")``.

    A path whose first segment is a SCIM endpoint (``/Users``, ``/Schemas``…; ``endpoints`` lower-cased)
    addresses the default directory and gives ``(None, path)``; the root path ``/`` does too.
    """
    head, _, rest = path.lstrip("/").partition("/")
    if not head or head.lower() in endpoints:
        return None, path
    return head, "/" + rest
