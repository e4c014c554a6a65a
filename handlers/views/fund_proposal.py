"""The proposal modal submitted: validate field by field in the ack, then post or update."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.fund import ledger as fund
from bot.fund.render import PROPOSAL_VIEW, draft_from_state, metadata_of
from bot.slack.listener import invocation
from handlers.actions.fund_messages import dm_submitter, publish, tell


def handle_proposal(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Store the proposal (or the edit) and show it in the fund channel.

    Validation errors can only travel in the ack (response_action "errors"), so the ledger
    is asked before acking; that is one short transaction.
    """
    asked = invocation(body, context)
    draft = draft_from_state(view.get("state", {}).get("values", {}))
    editing = metadata_of(view).get("id")
    user = asked.user_id or ""
    try:
        if editing:
            proposal = fund.resubmit_proposal(
                asked.db, asked.settings, asked.workspace_id, int(editing), user, draft, asked.clock
            )
        else:
            proposal = fund.submit_proposal(
                asked.db, asked.settings, asked.workspace_id, user, draft, asked.clock
            )
    except fund.InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except fund.FundError as refused:
        ack(response_action="errors", errors={"title": str(refused)})
        return
    ack()
    problem = publish(client, asked, proposal)
    if editing:
        dm_submitter(client, asked, proposal, "Your proposal is resubmitted; approvals start over.")
    where = asked.settings.fund_channel
    note = f"Proposal #{proposal.id} is in {where}, waiting for approval."
    if problem:
        note = f"Proposal #{proposal.id} is saved, but {problem}; it is logged."
    tell(note, asked=asked, client=client, respond=None, body=body)


def register(app: App) -> None:
    """Listen for proposal submissions."""
    app.view(PROPOSAL_VIEW)(handle_proposal)
