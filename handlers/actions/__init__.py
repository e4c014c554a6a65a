"""Button clicks and other block actions; one listener per module, each with `register(app)`.
To add one: write handlers/actions/<name>.py with `register(app)` and list it in LISTENERS."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import (
    alert_numbers,
    fund_approve,
    fund_changes,
    fund_complete,
    fund_edit,
    fund_propose,
    fund_reject,
    fund_withdraw,
    language_reading,
    metric_chart,
    metric_share,
    okr_checkin,
    okr_new,
    standup_open,
)

LISTENERS = (
    metric_share,
    metric_chart,
    fund_propose,
    fund_approve,
    fund_reject,
    fund_changes,
    fund_withdraw,
    fund_edit,
    fund_complete,
    standup_open,
    alert_numbers,
    language_reading,
    okr_new,
    okr_checkin,
)


def register(app: App) -> None:
    """Register every action listener."""
    for listener in LISTENERS:
        listener.register(app)
