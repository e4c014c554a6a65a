"""The Withdraw button (the submitter's DM, App Home): take a pending proposal back."""

from __future__ import annotations

from slack_bolt import App

from bot.fund import ledger as fund
from bot.fund.render import WITHDRAW_ACTION
from handlers.actions.fund_messages import decision_listener

handle_withdraw = decision_listener(fund.withdraw, dm=False)


def register(app: App) -> None:
    """Listen for Withdraw."""
    app.action(WITHDRAW_ACTION)(handle_withdraw)
