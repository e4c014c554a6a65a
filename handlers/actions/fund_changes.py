"""The Request changes button on a proposal: open the modal that asks what should change."""

from __future__ import annotations

from slack_bolt import App

from bot.core.i18n import N_
from bot.fund.render import CHANGES_ACTION
from handlers.actions.fund_messages import reason_listener

handle_changes = reason_listener("changes", N_("Request changes"))


def register(app: App) -> None:
    """Listen for Request changes."""
    app.action(CHANGES_ACTION)(handle_changes)
