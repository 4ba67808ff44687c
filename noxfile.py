"""Development sessions: ``nox -s tests lint typing conformance``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typing"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, as the README and CI run it."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the package, the tests, the examples and the benchmarks."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", "scimcore", "tests", "examples", "benchmarks", "noxfile.py")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy in strict mode over the package."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def conformance(session: nox.Session) -> None:
    """scim2-cli and scim-sanity (in their own virtualenv) against a live ``scimcore serve``."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-m", "conformance", "-v", *session.posargs)
