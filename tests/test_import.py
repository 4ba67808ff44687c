"""The package boundary: importing scimcore loads no server, framework or driver, and exports a fixed API."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import scimcore

HEAVY = ("uvicorn", "sqlalchemy", "psycopg", "starlette", "fastapi", "flask", "django", "httpx", "joserfc")


def _loaded_after(statement: str) -> list[str]:
    """The HEAVY top-level modules a fresh interpreter holds after running ``statement``."""
    code = (
        "import json, sys\n"
        f"{statement}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_import_scimcore_loads_no_server_framework_or_driver() -> None:
    """`import scimcore` in a fresh interpreter leaves servers, frameworks, drivers, httpx and joserfc unloaded."""
    assert _loaded_after("import scimcore") == []


@pytest.mark.parametrize("module", ["scimcore.asgi", "scimcore.wsgi", "scimcore.service", "scimcore.store.memory"])
def test_core_modules_and_adapters_load_nothing_heavy(module: str) -> None:
    """The service, the memory store and the dependency-free adapters load no server or framework either."""
    assert _loaded_after(f"import {module}") == []


def test_public_api_is_pinned() -> None:
    """scimcore.__all__ is exactly the documented public API, and every name in it exists."""
    assert sorted(scimcore.__all__) == [
        "BearerTokens",
        "MemoryStore",
        "Page",
        "Query",
        "SchemaRegistry",
        "ScimError",
        "ScimRequest",
        "ScimResponse",
        "ScimService",
        "ServiceConfig",
        "Store",
        "__version__",
        "generate_token",
        "hash_token",
    ]
    for name in scimcore.__all__:
        assert hasattr(scimcore, name)


def test_version_is_a_string() -> None:
    """__version__ is a non-empty version string."""
    assert isinstance(scimcore.__version__, str) and scimcore.__version__[0].isdigit()


def test_import_loads_no_asyncio_and_no_cli() -> None:
    """``import scimcore`` loads neither asyncio (the ASGI adapter offloads) nor click (the CLI is a tool)."""
    import subprocess
    import sys

    code = "import scimcore, sys; print('asyncio' in sys.modules, 'click' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
