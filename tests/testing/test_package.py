"""The test kit's package: its simulators load without pytest; its contracts are still found by name."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_simulators_import_without_pytest() -> None:
    """A script driving a staging URL with the simulators does not import pytest through scimcore.testing."""
    code = "import sys\nimport scimcore.testing.simulators\nprint('pytest' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"


def test_contracts_are_exported_by_name() -> None:
    """``from scimcore.testing import StoreContract`` gives the contract class of its own module."""
    from scimcore.testing import StoreContract
    from scimcore.testing.resources import StoreContract as Defined

    assert StoreContract is Defined


def test_unknown_name_is_an_attribute_error() -> None:
    """A name the package does not export raises AttributeError, as any module does."""
    import scimcore.testing

    with pytest.raises(AttributeError, match="NoSuchContract"):
        _ = scimcore.testing.NoSuchContract  # type: ignore[attr-defined]
