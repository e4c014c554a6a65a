"""The proposal modal submitted: validate field by field in the ack, then post or update."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import fund
from bot.core.context import Context
from bot.fund.notify import after_submission
from bot.fund.render import PROPOSAL_VIEW
from bot.slack.listener import context_of, modal_metadata, modal_values, submitted_once, tell


def handle_proposal(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Store the proposal (or the edit) and show it in the fund channel, once per submission
    (a double click, a twin or a replay creates nothing more).

    Validation errors can only travel in the ack (response_action "errors"), so the ledger
    is asked before acking; that is one short transaction.
    """
    ctx = context_of(body, context, client)
    draft = fund.ProposalDraft.from_values(modal_values(view))
    editing = modal_metadata(view).get("id")

    def save(once: Context) -> fund.ProposalView:
        if editing:
            return fund.resubmit_proposal(once, int(editing), draft)
        return fund.submit_proposal(once, draft)

    try:
        proposal = submitted_once(ack, ctx, view, save, "title")
        if proposal is None:
            return
    except fund.InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors_in(ctx.lang))
        return
    except fund.FundError as refused:
        ack(response_action="errors", errors={"title": ctx.words.say(refused)})
        return
    ack()
    tell(after_submission(client, ctx, proposal, edited=bool(editing)), ctx=ctx, client=client)


def register(app: App) -> None:
    """Listen for proposal submissions."""
    app.view(PROPOSAL_VIEW)(handle_proposal)
