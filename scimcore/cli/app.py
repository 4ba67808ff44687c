"""The ``scimcore`` command group: every command, with ``check`` loaded only when it runs.

Owns: the group, its version option and the list of commands.
Must not: import the checker (an HTTP client) for any other command, or ``scimcore --help``.
"""

from __future__ import annotations

import importlib

import click

from scimcore import __version__
from scimcore.cli.admin import admin
from scimcore.cli.db import db
from scimcore.cli.directories import directories
from scimcore.cli.events import events
from scimcore.cli.recorder import recorder
from scimcore.cli.serve import serve
from scimcore.cli.transfer import export_command, import_command

# Commands imported on first use: name -> (module, attribute, the one-line help ``--help`` shows).
LAZY: dict[str, tuple[str, str, str]] = {
    "check": ("scimcore.check", "check", "Replay what Entra ID and Okta send against the SCIM 2.0 endpoint at URL."),
}


class LazyGroup(click.Group):
    """A group whose :data:`LAZY` commands are imported only when invoked (or asked for their own help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, the lazy ones included."""
        return sorted([*super().list_commands(ctx), *LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, importing a lazy one now."""
        if cmd_name in LAZY:
            module, attribute, _ = LAZY[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, with the lazy commands' help from :data:`LAZY` (nothing imported)."""
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            if name in LAZY:
                rows.append((name, LAZY[name][2]))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scimcore")
def main() -> None:
    """scimcore: receive user and group provisioning (SCIM 2.0) from any identity provider."""


for command in (serve, db, directories, events, recorder, admin, export_command, import_command):
    main.add_command(command)


