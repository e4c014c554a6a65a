"""The Approve button on a proposal: record the approval, update the message, DM the submitter."""

from __future__ import annotations

from slack_bolt import App

from bot import fund
from bot.fund.render import APPROVE_ACTION
from handlers.actions.fund_messages import decision_listener

handle_approve = decision_listener(fund.approve, dm=True)


def register(app: App) -> None:
    """Listen for Approve."""
    app.action(APPROVE_ACTION)(handle_approve)
