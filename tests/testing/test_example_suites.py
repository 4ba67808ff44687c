"""The example test modules of ``examples/testing/`` pass as they are, each folder in its own pytest run."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "testing"


def test_the_fastapi_example_suite_passes(pytester: pytest.Pytester) -> None:
    """The FastAPI app's tests pass on both stores: Entra twice over in both dialects, Okta, OneLogin, JumpCloud."""
    pytest.importorskip("fastapi")
    pytest.importorskip("sqlalchemy")
    result = pytester.runpytest_subprocess(str(EXAMPLES / "fastapi"), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=14)


def test_the_django_example_suite_passes(pytester: pytest.Pytester) -> None:
    """The Django project's tests pass: Entra in both dialects at a tenant's URL, a wrong token, Okta."""
    pytest.importorskip("django")
    pytest.importorskip("sqlalchemy")
    result = pytester.runpytest_subprocess(str(EXAMPLES / "django"), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
