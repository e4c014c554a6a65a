"""The Reject button on a proposal: open the reason modal (ask why)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import fund
from bot.render.fund import REJECT_ACTION, notice_modal, reason_modal
from handlers.actions.fund_messages import proposal_id_of
from handlers.slack import after_ack, invocation


def handle_reject(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the modal first (trigger ids expire), then replace it if the clicker may not decide."""
    ack()
    proposal_id = proposal_id_of(action.get("value"))
    if proposal_id is None:
        return
    opened = client.views_open(
        trigger_id=body["trigger_id"], view=reason_modal(proposal_id, "reject")
    )

    def check() -> None:
        asked = invocation(body, context)
        problem = fund.refusal(
            asked.db, asked.workspace_id, proposal_id, asked.user_id or "", "decide"
        )
        if problem:
            view = opened["view"]
            client.views_update(
                view_id=view["id"], hash=view.get("hash"), view=notice_modal("Reject", problem)
            )

    after_ack(check, body, None)


def register(app: App) -> None:
    """Listen for Reject."""
    app.action(REJECT_ACTION)(handle_reject)
