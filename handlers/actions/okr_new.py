"""The New OKR button (the /okr answer, App Home): open the new-objective form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import okrs
from bot.slack.listener import context_of


def handle_new(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the form at once: the trigger id expires in 3 seconds, so no database work first."""
    ack()
    ctx = context_of(body, context, client)
    client.views_open(trigger_id=body["trigger_id"], view=okrs.new_okr_form(ctx))


def register(app: App) -> None:
    """Listen for the New OKR button."""
    app.action(okrs.NEW_ACTION)(handle_new)
