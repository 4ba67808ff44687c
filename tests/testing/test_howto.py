"""The how-to "Test your app against Entra and Okta traffic" runs as written: its conftest and tests pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "how-to" / "testing.md"


def _files() -> dict[str, str]:
    """The guide's Python blocks that carry a ``title``, by file name."""
    blocks = re.findall(r'```python title="([^"]+)"\n(.*?)```', GUIDE.read_text(encoding="utf-8"), re.S)
    return dict(blocks)


def test_the_guides_fastapi_example_passes(pytester: pytest.Pytester) -> None:
    """The guide's conftest.py and test_provisioning.py, copied into a project, pass (Entra twice, Okta once)."""
    files = _files()
    assert set(files) == {"conftest.py", "test_provisioning.py"}
    pytester.makeconftest(files["conftest.py"])
    pytester.makepyfile(test_provisioning=files["test_provisioning.py"])
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
