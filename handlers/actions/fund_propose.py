"""The Propose button (fund summary, App Home, digest): open the proposal modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.fund.render import PROPOSE_ACTION, proposal_modal
from bot.slack.listener import context_of


def handle_propose(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the form at once: the trigger id expires in 3 seconds, so no database work first."""
    ack()
    language = context_of(body, context, client).first_lang
    client.views_open(trigger_id=body["trigger_id"], view=proposal_modal(language=language))


def register(app: App) -> None:
    """Listen for the Propose button."""
    app.action(PROPOSE_ACTION)(handle_propose)
