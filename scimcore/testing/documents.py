"""Documents built the way the service stores them, for the contract suites and your own store tests.

Owns: the default registry's User and Group types and canonical documents with ids, ``meta`` and versions set.
Must not: import pytest.
"""

from __future__ import annotations

from typing import Any

from scimcore.schema.registry import ResourceTypeDef, SchemaRegistry

REGISTRY = SchemaRegistry.default()
USER = REGISTRY.resource_type("User")
GROUP = REGISTRY.resource_type("Group")


def meta(rtype: ResourceTypeDef, version: int = 1) -> dict[str, Any]:
    """``meta`` of a stored resource at ``version`` (RFC 7643 §3.1)."""
    return {
        "resourceType": rtype.name,
        "created": "2026-01-01T00:00:00.000Z",
        "lastModified": f"2026-01-01T00:00:{version:02d}.000Z",
        "version": f'W/"{version}"',
    }


def user_doc(rid: str, user_name: str, **attrs: Any) -> dict[str, Any]:
    """A canonical User document as the service would store it."""
    return {"id": rid, "userName": user_name, "meta": meta(USER), **attrs}


def group_doc(rid: str, display_name: str, members: list[str] | None = None, **attrs: Any) -> dict[str, Any]:
    """A canonical Group document whose members are Users with the given ids."""
    doc = {"id": rid, "displayName": display_name, "meta": meta(GROUP), **attrs}
    if members:
        doc["members"] = [{"value": m, "type": "User"} for m in members]
    return doc


def ids(docs: list[dict[str, Any]]) -> list[str]:
    """The ids of ``docs``, in order."""
    return [d["id"] for d in docs]
