"""The ``scimcore`` command line: ``scimcore serve`` runs a SCIM 2.0 server on uvicorn.

The commands live in this package, one module each (:mod:`~scimcore.cli.serve`, :mod:`~scimcore.cli.db`,
:mod:`~scimcore.cli.directories`, :mod:`~scimcore.cli.events`, :mod:`~scimcore.cli.transfer`, with the
shared helpers in :mod:`~scimcore.cli.runtime`); ``scimcore check`` is imported only when it runs.  The
command line needs click, which comes with the ``cli`` and ``server`` extras; without it the console script
says which extra to install.  Nothing here is imported by ``import scimcore``.
"""

from __future__ import annotations

import sys
from typing import Any

MISSING_CLICK = (
    "The scimcore command line needs click, which is not installed.\n"
    "Install the command line with:  pip install 'scimcore[cli]'   (or 'scimcore[server]' to run a server too)"
)


def run() -> None:
    """The console script: the command line, or how to install it when click is missing."""
    try:
        import click  # noqa: F401
    except ImportError:
        print(MISSING_CLICK, file=sys.stderr)
        raise SystemExit(1) from None
    from scimcore.cli.app import main

    main()


def __getattr__(name: str) -> Any:
    """``scimcore.cli.main`` (the click group) and the runtime helpers, imported on first use."""
    if name == "main":
        from scimcore.cli.app import main

        return main
    import importlib  # not ``from scimcore.cli import runtime``: that would ask this function again

    runtime = importlib.import_module("scimcore.cli.runtime")
    try:
        return getattr(runtime, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
