"""Modal submissions and closings; one listener per module, each with `register(app)`.
To add one: write handlers/views/<name>.py with `register(app)` and list it in LISTENERS."""

from __future__ import annotations

from types import ModuleType

from slack_bolt import App

from handlers.views import (
    fund_completion,
    fund_proposal,
    fund_reason,
    okr_checkin,
    okr_new,
    settings_submit,
    standup_submit,
)

LISTENERS: tuple[ModuleType, ...] = (
    fund_proposal,
    fund_reason,
    fund_completion,
    settings_submit,
    standup_submit,
    okr_new,
    okr_checkin,
)


def register(app: App) -> None:
    """Register every view listener."""
    for listener in LISTENERS:
        listener.register(app)
