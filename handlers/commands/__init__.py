"""Slash commands. Every command in bot.commands.COMMANDS is served by the one listener in
slash.py, so a new command needs only its entry there (and a line in slack-manifest.yml)."""

from __future__ import annotations

from slack_bolt import App

from bot.commands import COMMANDS
from handlers.commands import fund, slash, warroom_command

# Commands that need more than the command core gives (e.g. asking Slack who is an admin).
DEDICATED = {"/fund": fund.handle_fund, "/warroom": warroom_command.handle_warroom}


def registered_commands() -> list[str]:
    """The slash commands the app answers (the manifest must declare exactly these)."""
    return sorted(COMMANDS)


def register(app: App) -> None:
    """Register the slash-command listener for every command."""
    for name in registered_commands():
        app.command(name)(DEDICATED.get(name, slash.handle_command))
