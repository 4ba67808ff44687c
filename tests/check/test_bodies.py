"""The run's request bodies: catalogue payloads with the run's own names and ids, the catalogue left alone."""

from __future__ import annotations

import copy
import json
from typing import Any

from scimcore.check.bodies import entra_user, okta_put_user, okta_user, plain_user, swap
from scimcore.check.payloads import entra, generic, okta


class _Run:
    """What the builders read of a session: the run id and its unique numbers."""

    run_id = "0a1b2c3d"

    def __init__(self) -> None:
        self.count = 0

    def unique(self) -> int:
        self.count += 1
        return self.count


def _shape(payload: Any) -> Any:
    """The keys of ``payload`` at every level, in order, without the values."""
    if isinstance(payload, dict):
        return [(key, _shape(value)) for key, value in payload.items()]
    if isinstance(payload, list):
        return [_shape(value) for value in payload]
    return type(payload).__name__


def test_swap_replaces_every_occurrence_in_one_pass() -> None:
    """swap replaces the examples in strings and keys, never replacing a replacement, and copies the payload."""
    payload = [{"op": "remove", "path": 'members[value eq "old"]', "value": [{"old": "old-ish"}]}]
    swapped = swap(payload, {"old": "new", "new": "never"})
    assert swapped == [{"op": "remove", "path": 'members[value eq "new"]', "value": [{"new": "new-ish"}]}]
    assert payload[0]["path"] == 'members[value eq "old"]'


def test_the_create_bodies_keep_the_catalogue_shape() -> None:
    """Entra's, Okta's and the plain create bodies have their catalogue payload's keys, in the same order."""
    run: Any = _Run()
    assert _shape(entra_user(run)) == _shape(entra.TUTORIAL_CREATE_USER)
    assert _shape(okta_user(run)) == _shape(okta.CREATE_USER)
    assert _shape(plain_user(run)) == _shape(generic.PLAIN_USER)
    assert _shape(okta_put_user("u1", "someone@okta.local")) == _shape(okta.PUT_USER)


def test_the_create_bodies_carry_names_unique_to_the_run() -> None:
    """Two bodies of one run have different userNames, both carrying the run id."""
    run: Any = _Run()
    first, second = entra_user(run), entra_user(run)
    assert first["userName"] != second["userName"]
    assert all(run.run_id in body["userName"] for body in (first, second))


def test_building_a_body_leaves_the_catalogue_unchanged() -> None:
    """Changing a built body does not change the catalogue payload it was made from."""
    before = copy.deepcopy(okta.CREATE_USER)
    body = okta_user(_Run())  # type: ignore[arg-type]
    body["emails"][0]["value"] = "changed@okta.local"
    body["groups"].append("x")
    assert json.dumps(okta.CREATE_USER) == json.dumps(before)
