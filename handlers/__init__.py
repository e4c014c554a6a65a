"""Slack listeners, grouped by surface like Bolt's starter template; each package has
`register(app)`. Listeners parse the payload, call one feature's public function and deliver
the answer: no SQL, no business rules."""

from __future__ import annotations

from slack_bolt import App

from bot.core.context import Context
from bot.slack.app import build_app
from handlers import actions, commands, errors, events, views


def register_listeners(app: App) -> None:
    """Register every listener of the app."""
    errors.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)


def create_app(base: Context) -> App:
    """The Bolt App for the configured mode with every listener; `base` holds the settings,
    the stores and the clock the listeners work with."""
    return build_app(base, register_listeners)
