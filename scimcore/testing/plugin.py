"""scimcore's pytest plugin: a SCIM service, a directory, an in-process client and the events, as fixtures.

pytest loads it through the ``pytest11`` entry point ``scimcore`` when scimcore is installed (``pip install
'scimcore[testing]'`` brings pytest and httpx with it), or explicitly with ``pytest_plugins =
["scimcore.testing.plugin"]`` in a ``conftest.py``; ``-p no:scimcore`` turns it off.  Every fixture is
function-scoped and named ``scim_*``, so none shadows a fixture of your own:

- ``scim_store`` — a fresh :class:`~scimcore.MemoryStore`; override it to test another store;
- ``scim_token`` — the bearer token (RFC 6750 §2.1) of the default directory;
- ``scim_events`` — the list of :class:`~scimcore.events.Event` values the service emitted, in order;
- ``scim_service`` — a :class:`~scimcore.ScimService` over ``scim_store`` that accepts ``scim_token`` at the
  SCIM root and each directory's own tokens at ``/<directory id>``, and appends its events to ``scim_events``;
- ``scim_directory`` — a :class:`TestDirectory`: a directory created in ``scim_store``, its token, base URL;
- ``scim_app`` — the application under test: :class:`~scimcore.asgi.ScimASGI` over ``scim_service`` at
  ``/scim/v2``; override it with your own FastAPI, Starlette, Flask or Django app;
- ``scim_client`` — a :class:`~scimcore.testing.client.ScimClient` calling ``scim_app`` in process with
  ``scim_token``.

Must not: import httpx before a fixture that needs it runs (a test that uses only ``scim_service`` works
without it), hold a SCIM rule, or start anything outside the process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from scimcore.auth import BearerTokens
from scimcore.directories import Directory, DirectoryManager, ServerAuthenticator
from scimcore.events import Event
from scimcore.service import ScimService
from scimcore.store.memory import MemoryStore
from scimcore.store.port import DEFAULT_DIRECTORY, Store

if TYPE_CHECKING:
    from scimcore.testing.client import ScimClient

#: The token ``scim_token`` gives unless overridden: tests are reproducible, nothing outside can reach them.
DEFAULT_TOKEN = "scimcore-test-token"

#: Where ``scim_app`` serves the SCIM API, and so the path of every base URL the fixtures give.
SCIM_PREFIX = "/scim/v2"


@dataclass(frozen=True)
class TestDirectory:
    """A directory of the store under test with its first token and its SCIM base URL (in process)."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    directory: Directory
    token: str
    base_url: str

    @property
    def id(self) -> str:
        """The directory's id, the first path segment of its SCIM endpoint."""
        return self.directory.id


def _needs_httpx(what: str) -> None:
    try:
        import httpx  # noqa: F401 - only whether it is installed
    except ImportError:
        pytest.fail(f"{what} needs httpx: pip install 'scimcore[testing]'", pytrace=False)


@pytest.fixture
def scim_store() -> Iterator[Store]:
    """A fresh in-memory store; override this fixture to run the same tests on another store."""
    yield MemoryStore()


@pytest.fixture
def scim_token() -> str:
    """The bearer token the service accepts for its default directory (the SCIM root)."""
    return DEFAULT_TOKEN


@pytest.fixture
def scim_events() -> list[Event]:
    """The events the service emitted (``user.created``, ``group.user_added``…), in the order they happened."""
    return []


@pytest.fixture
def scim_service(scim_store: Any, scim_token: str, scim_events: list[Event]) -> ScimService:
    """A service over ``scim_store``: ``scim_token`` at the root, each directory's own tokens under its id."""
    directories = scim_store if hasattr(scim_store, "find_token") else None
    return ScimService(
        scim_store,
        authenticator=ServerAuthenticator(directories, BearerTokens([scim_token]), DEFAULT_DIRECTORY),
        subscribers=[scim_events.append],
    )


@pytest.fixture
def scim_directory(scim_service: ScimService) -> TestDirectory:
    """A directory named ``test`` in the service's store, with its token and its SCIM base URL."""
    from scimcore.testing.client import TEST_HOST

    store: Any = scim_service.store
    if not hasattr(store, "find_token"):
        pytest.fail("scim_directory needs a store that keeps directories (MemoryStore, SqlStore)", pytrace=False)
    directory, token = DirectoryManager(store).create("test")
    return TestDirectory(directory, token, f"{TEST_HOST}{SCIM_PREFIX}/{directory.id}")


@pytest.fixture
def scim_app(scim_service: ScimService) -> Any:
    """The application under test: scimcore's ASGI app at ``/scim/v2``; override it with your own app."""
    from scimcore.adapters.asgi import ScimASGI

    return ScimASGI(scim_service, prefix=SCIM_PREFIX, directories=True, dispatch=False)


@pytest.fixture
def scim_client(scim_app: Any, scim_token: str) -> Iterator[ScimClient]:
    """A SCIM client calling ``scim_app`` in process at ``/scim/v2`` with ``scim_token``."""
    _needs_httpx("scim_client")
    from scimcore.testing.client import TEST_HOST, ScimClient

    with ScimClient(scim_app, token=scim_token, base_url=f"{TEST_HOST}{SCIM_PREFIX}") as client:
        yield client
