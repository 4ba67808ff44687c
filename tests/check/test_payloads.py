"""The payload catalogue of ``scimcore check``: every payload names its source and is plain JSON data."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
from types import ModuleType
from typing import Any

import pytest

import scimcore.check.payloads

MODULES = [
    importlib.import_module(f"{scimcore.check.payloads.__name__}.{info.name}")
    for info in pkgutil.iter_modules(scimcore.check.payloads.__path__)
]
PAYLOADS = [(module, name) for module in MODULES for name in module.__all__]


def _ids(item: Any) -> str:
    return f"{item[0].__name__.rsplit('.', 1)[1]}.{item[1]}" if isinstance(item, tuple) else str(item)


def _assignments(module: ModuleType) -> dict[str, int]:
    """The module's top-level assignments to upper-case names, with the line each starts on."""
    tree = ast.parse(inspect.getsource(module))
    found: dict[str, int] = {}
    for node in tree.body:
        target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign):
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id.isupper():
            found[target.id] = node.lineno
    return found


def _comment_above(module: ModuleType, lineno: int) -> str:
    """The ``#:`` comment lines directly above line ``lineno`` of the module, joined."""
    lines = inspect.getsource(module).splitlines()
    above: list[str] = []
    index = lineno - 2
    while index >= 0 and lines[index].startswith("#:"):
        above.insert(0, lines[index][2:].strip())
        index -= 1
    return " ".join(above)


def test_the_catalogue_has_one_module_per_vendor() -> None:
    """The catalogue holds one module per vendor and the plain RFC 7643 one, each listing its payloads."""
    assert {m.__name__.rsplit(".", 1)[1] for m in MODULES} == {"entra", "generic", "jumpcloud", "okta", "onelogin"}
    assert all(module.__all__ for module in MODULES)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_payload_constant_is_listed(module: ModuleType) -> None:
    """Every top-level dict or list constant of a payload module is in its ``__all__``, so none escapes the rules."""
    constants = {name for name in _assignments(module) if isinstance(getattr(module, name), (dict, list))}
    assert constants == set(module.__all__)


@pytest.mark.parametrize(("module", "name"), PAYLOADS, ids=_ids)
def test_every_payload_names_its_source(module: ModuleType, name: str) -> None:
    """Each payload is preceded by a ``#: Source:`` comment naming the document or traffic it reproduces."""
    comment = _comment_above(module, _assignments(module)[name])
    assert comment.startswith("Source: ") and len(comment) > len("Source: ") + 10, comment


@pytest.mark.parametrize(("module", "name"), PAYLOADS, ids=_ids)
def test_every_payload_is_json_data(module: ModuleType, name: str) -> None:
    """Each payload is a JSON object or array that survives a strict JSON round trip unchanged."""
    payload = getattr(module, name)
    assert isinstance(payload, (dict, list))
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_payload_modules_import_nothing_but_typing(module: ModuleType) -> None:
    """A payload module imports only ``__future__`` and ``typing``: the catalogue is data, not behaviour."""
    tree = ast.parse(inspect.getsource(module))
    imported = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    assert imported <= {"__future__", "typing"}
