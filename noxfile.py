"""Development sessions: ``nox -s tests lint typing docs build conformance fuzz crash coverage``."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint", "typing", "docs"]
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
def docs(session: nox.Session) -> None:
    """The documentation site, built strictly: a broken link, a missing page or a bad docstring fails it."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(session.create_tmp() + "/site"), *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """The wheel and the sdist, into dist/."""
    session.install("build")
    session.run("python", "-m", "build", "--outdir", "dist")


@nox.session
def conformance(session: nox.Session) -> None:
    """scim2-cli and scim-sanity (in their own virtualenv) against a live ``scimcore serve``."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-m", "conformance", "-v", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """Request fuzzing with 12,000 Hypothesis examples (CI runs 300): no 5xx, SCIM errors, store invariants."""
    session.install("-e", ".[test]")
    session.env["SCIMCORE_FUZZ_EXAMPLES"] = os.environ.get("SCIMCORE_FUZZ_EXAMPLES", "12000")
    session.env["SCIMCORE_FUZZ_RANDOM"] = "1"  # fresh examples each run; the suite's 300 are fixed
    session.run("python", "-m", "pytest", "tests/fuzz", "-p", "no:cacheprovider", "--durations=10", *session.posargs)


@nox.session
def crash(session: nox.Session) -> None:
    """Ten rounds of kill -9 under concurrent writers on SQLite and PostgreSQL (CI runs one round)."""
    session.install("-e", ".[test]")
    session.env["SCIMCORE_CRASH_ROUNDS"] = os.environ.get("SCIMCORE_CRASH_ROUNDS", "10")
    session.run("python", "-m", "pytest", "tests/test_crash_safety.py", "-v", *session.posargs)


@nox.session
def coverage(session: nox.Session) -> None:
    """The test suite under branch coverage; fails below 93% of the package's branches and lines (94% measured)."""
    session.install("-e", ".[test]", "coverage>=7.4")
    session.run("coverage", "run", "--branch", "--source=scimcore", "-m", "pytest", "-q", *session.posargs)
    session.run("coverage", "report", "--fail-under=93")
