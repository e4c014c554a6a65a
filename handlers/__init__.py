"""Slack listeners, grouped by surface like Bolt's starter template; each package has
`register(app)`. Listeners parse, call bot/, render, respond: no SQL, no business rules."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, errors, events, views


def register_listeners(app: App) -> None:
    """Register every listener of the app."""
    errors.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
