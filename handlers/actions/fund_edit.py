"""The Edit and resubmit button (the submitter's DM, App Home): open the filled-in form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import fund
from bot.fund.render import EDIT_ACTION, loading_modal, notice_modal, proposal_modal
from bot.slack.listener import after_ack, button_number, context_of


def handle_edit(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open a placeholder at once (trigger ids expire), then fill it with the proposal."""
    ack()
    proposal_id = button_number(action.get("value"))
    if proposal_id is None:
        return
    opened = client.views_open(
        trigger_id=body["trigger_id"], view=loading_modal(f"Edit proposal #{proposal_id}")
    )

    def check() -> None:
        ctx = context_of(body, context, client)
        problem = fund.refusal(ctx, proposal_id, "edit")
        if problem:
            view = notice_modal("Edit proposal", problem)
        else:
            proposal = fund.get_proposal(ctx, proposal_id)
            view = proposal_modal(fund.ProposalDraft.of(proposal), proposal_id)
        client.views_update(
            view_id=opened["view"]["id"], hash=opened["view"].get("hash"), view=view
        )

    after_ack(check, body, None)


def register(app: App) -> None:
    """Listen for Edit and resubmit."""
    app.action(EDIT_ACTION)(handle_edit)
