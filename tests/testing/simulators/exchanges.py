"""Reading a simulator step's exchanges in a test: the requests of one method, and a request's JSON body."""

from __future__ import annotations

import json
from typing import Any

from scimcore.check.wire import Exchange
from scimcore.testing.simulators import StepResult


def sent(result: StepResult, method: str, path: str = "") -> list[Exchange]:
    """The step's exchanges of ``method`` whose path (query left out) starts with ``path``."""
    return [e for e in result.exchanges if e.method == method and e.target.split("?")[0].startswith(path)]


def body(exchange: Exchange) -> Any:
    """The JSON body the request carried."""
    assert exchange.request_body is not None
    return json.loads(exchange.request_body)
