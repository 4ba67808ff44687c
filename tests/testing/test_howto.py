"""The how-to "Test your app against Entra and Okta traffic" shows the example test modules the suite runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "how-to" / "testing.md"


def _included() -> dict[str, str]:
    """The files the guide's titled Python blocks include with ``--8<--``, by the block's title."""
    blocks = re.findall(r'```python title="([^"]+)"\n--8<-- "([^"]+)"\n```', GUIDE.read_text(encoding="utf-8"))
    return {path: title for title, path in blocks}


def test_the_guide_shows_the_fastapi_and_django_example_modules_by_inclusion() -> None:
    """Every module of examples/testing/fastapi and examples/testing/django is included whole, under its name."""
    wanted = {
        f"examples/testing/{folder}/{name}": name
        for folder in ("fastapi", "django")
        for name in ("conftest.py", "test_provisioning.py")
    }
    assert _included() == wanted
    assert all((ROOT / path).is_file() for path in wanted)


def test_the_guide_names_every_simulator() -> None:
    """The guide names the four simulators the package exports and links to their reference."""
    from scimcore.testing import simulators

    text = GUIDE.read_text(encoding="utf-8")
    exported = {name: getattr(simulators, name) for name in simulators.__all__}
    vendors = {name for name, value in exported.items() if isinstance(value, type) and
               issubclass(value, simulators.Simulator) and value is not simulators.Simulator}
    assert vendors == {"Entra", "Okta", "OneLogin", "JumpCloud"}
    assert all(f"`{name}`" in text for name in vendors) and "../reference/simulators.md" in text
