"""scimcore check --replay: a recording sent to another server, with the ids it created followed."""

from __future__ import annotations

import json

import httpx
import pytest

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.check.replay import RECORDING_FORMAT, read_replay_file, replay
from scimcore.wsgi import ScimWSGI
from tests.conftest import TOKEN, USER_SCHEMA

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _file(*entries: dict[str, object]) -> list[str]:
    return [json.dumps({"format": RECORDING_FORMAT, "directory": "default", "requests": len(entries)}),
            *(json.dumps(e) for e in entries)]


def _client() -> httpx.Client:
    app = ScimWSGI(ScimService(MemoryStore(), authenticator=BearerTokens([TOKEN])), prefix="/scim/v2")
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://replay.test")


def test_the_ids_a_recording_created_are_followed_on_the_new_server() -> None:
    """A recorded POST's id is replaced by the replayed POST's id in later paths and bodies."""
    entries = read_replay_file(_file(
        {"method": "POST", "path": "/Users", "status": 201, "resource_id": "old-user",
         "body": json.dumps({"schemas": [USER_SCHEMA], "userName": "alice"})},
        {"method": "POST", "path": "/Groups", "status": 201, "resource_id": "old-group",
         "body": json.dumps({"schemas": [GROUP_SCHEMA], "displayName": "Eng", "members": [{"value": "old-user"}]})},
        {"method": "GET", "path": "/Users/old-user", "status": 200},
        {"method": "GET", "path": "/Users", "query": "filter=groups.value%20eq%20%22old-group%22", "status": 200},
        {"method": "DELETE", "path": "/Groups/old-group", "status": 204},
    ))
    with _client() as client:
        report = replay(client, "http://replay.test/scim/v2", TOKEN, entries)
    assert report.ok, report.render()
    assert report.render()[-1] == "5 passed, 0 failed"


def test_a_different_answer_fails_its_step_with_the_detail() -> None:
    """A step answered with another status than recorded fails, naming both and the server's detail."""
    entries = read_replay_file(_file({"method": "GET", "path": "/Users/nobody", "status": 200}))
    with _client() as client:
        report = replay(client, "http://replay.test/scim/v2", TOKEN, entries)
    assert not report.ok
    assert report.render()[0].startswith("FAIL     1 GET /Users/nobody: recorded 200, got 404 (")


@pytest.mark.parametrize(
    ("lines", "message"),
    [([], "empty"), (['{"format": "other"}'], "header"), (_file({"path": "/Users"}), "line 2"),
     (_file()[:1] + ['{"method": "GET", "path": "/Users", "status": 200}'], "announces 0")],
)
def test_a_file_that_is_no_recording_is_refused(lines: list[str], message: str) -> None:
    """read_replay_file says what is wrong with a file that is not an export."""
    with pytest.raises(ValueError, match=message):
        read_replay_file(lines)
