"""The Reject button on a proposal: open the modal that asks for the reason."""

from __future__ import annotations

from slack_bolt import App

from bot.core.i18n import N_
from bot.fund.render import REJECT_ACTION
from handlers.actions.fund_messages import reason_listener

handle_reject = reason_listener("reject", N_("Reject"))


def register(app: App) -> None:
    """Listen for Reject."""
    app.action(REJECT_ACTION)(handle_reject)
