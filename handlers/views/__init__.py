"""Modal submissions and closings; one listener per module, each with `register(app)`.
To add one: write handlers/views/<name>.py with `register(app)` and list it in LISTENERS."""

from __future__ import annotations

from types import ModuleType

from slack_bolt import App

LISTENERS: tuple[ModuleType, ...] = ()


def register(app: App) -> None:
    """Register every view listener."""
    for listener in LISTENERS:
        listener.register(app)
