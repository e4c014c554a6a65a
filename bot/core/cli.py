"""What the command lines of every feature share: how a command gets its Context, the
--workspace option, and printing a message as text."""

from __future__ import annotations

from typing import Any, Protocol

import click

from bot.core.context import Context
from bot.core.render import blocks_as_text


class ContextSource(Protocol):
    """The object `warroom` hands its subcommands (click's obj): opens settings and stores."""

    def context(self, workspace: str | None = None) -> Context:
        """The Context of a command-line operator in `workspace` (None: the default one)."""
        ...


workspace_option = click.option(
    "--workspace",
    default=None,
    metavar="TEAM_ID",
    help="Slack team id (OAuth installs); single-workspace bots need none.",
)


def echo_message(message: dict[str, Any]) -> None:
    """Print a rendered message (blocks) as the text a person reads."""
    click.echo(blocks_as_text(message))
