"""Events API listeners; one listener per module, each with `register(app)` (thread.py is
what the mention and DM listeners share). To add one: write handlers/events/<name>.py with
`register(app)` and list it in LISTENERS."""

from __future__ import annotations

from types import ModuleType

from slack_bolt import App

from handlers.events import app_home_opened, app_mention, direct_message

LISTENERS: tuple[ModuleType, ...] = (app_home_opened, app_mention, direct_message)


def register(app: App) -> None:
    """Register every event listener."""
    for listener in LISTENERS:
        listener.register(app)
