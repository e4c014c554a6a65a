"""The Mark completed button on an approved proposal: open the completion modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.fund import ledger as fund
from bot.fund.render import COMPLETE_ACTION, completion_modal, notice_modal
from bot.slack.listener import after_ack, invocation, is_slack_admin
from handlers.actions.fund_messages import proposal_id_of


def handle_complete(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the form first (trigger ids expire), then replace it if the clicker may not."""
    ack()
    proposal_id = proposal_id_of(action.get("value"))
    if proposal_id is None:
        return
    opened = client.views_open(trigger_id=body["trigger_id"], view=completion_modal(proposal_id))

    def check() -> None:
        asked = invocation(body, context)
        user = asked.user_id or ""
        problem = fund.refusal(asked.db, asked.workspace_id, proposal_id, user, "complete")
        if problem == fund.NOT_COMPLETER and is_slack_admin(client, user):
            problem = fund.refusal(
                asked.db, asked.workspace_id, proposal_id, user, "complete", slack_admin=True
            )
        if problem:
            view = opened["view"]
            client.views_update(
                view_id=view["id"], hash=view.get("hash"), view=notice_modal("Complete", problem)
            )

    after_ack(check, body, None)


def register(app: App) -> None:
    """Listen for Mark completed."""
    app.action(COMPLETE_ACTION)(handle_complete)
