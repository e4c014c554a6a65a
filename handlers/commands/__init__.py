"""Slash commands: one listener (slash.py) for every command in the table (table.py)."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands import slash
from handlers.commands.table import registered_commands


def register(app: App) -> None:
    """Register the slash-command listener for every command."""
    for name in registered_commands():
        app.command(name)(slash.handle_command)
