"""The last line of defence: an unexpected error is logged with context and answered politely."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listener import on_error


def register(app: App) -> None:
    """Install the global error handler."""
    app.error(on_error)
