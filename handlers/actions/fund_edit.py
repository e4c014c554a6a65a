"""The Edit and resubmit button (the submitter's DM, App Home): open the filled-in form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import fund
from bot.core.i18n import words
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
    ctx = context_of(body, context, client)
    title = words(ctx.first_lang)._("Edit proposal #{id}", id=proposal_id)
    opened = client.views_open(
        trigger_id=body["trigger_id"], view=loading_modal(title, ctx.first_lang)
    )

    def check() -> None:
        problem = fund.refusal(ctx, proposal_id, "edit")
        if problem:
            view = notice_modal(ctx.words._("Edit proposal"), problem, ctx.lang)
        else:
            proposal = fund.get_proposal(ctx, proposal_id)
            view = proposal_modal(fund.ProposalDraft.of(proposal), proposal_id, ctx.lang)
        client.views_update(
            view_id=opened["view"]["id"], hash=opened["view"].get("hash"), view=view
        )

    after_ack(check, body, None)


def register(app: App) -> None:
    """Listen for Edit and resubmit."""
    app.action(EDIT_ACTION)(handle_edit)
