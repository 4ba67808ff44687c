"""The admin console of ``scimcore serve``, and of any ASGI app.

Directories, their tokens, events and the flight recorder, behind a sign-in of its own.

:class:`~scimcore.console.app.ConsoleASGI` serves the pages; :mod:`scimcore.console.sessions` the sign-in,
sessions and CSRF tokens.  Needs the ``console`` extra (Jinja2); never imported by ``import scimcore``.
"""

from scimcore.console.app import ConsoleASGI

__all__ = ["ConsoleASGI"]
