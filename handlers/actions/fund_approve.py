"""The Approve button on a proposal: record the approval, update the message, DM the submitter."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot import fund
from bot.render.fund import APPROVE_ACTION
from handlers.actions.fund_messages import after_decision, proposal_id_of, tell
from handlers.slack import after_ack, invocation


def handle_approve(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Approve for the clicker's team; a refusal (own proposal, already decided) is private."""
    ack()
    asked = invocation(body, context)

    def answer() -> None:
        proposal_id = proposal_id_of(action.get("value"))
        note = "That button does not name a proposal." if proposal_id is None else ""
        if proposal_id is not None:
            try:
                outcome = fund.approve(
                    asked.db,
                    asked.settings,
                    asked.workspace_id,
                    proposal_id,
                    asked.user_id or "",
                    asked.clock,
                )
            except fund.FundError as refused:
                note = str(refused)
            else:
                note = after_decision(client, asked, outcome)
        tell(note, asked=asked, client=client, respond=respond, body=body)

    after_ack(answer, body, respond)


def register(app: App) -> None:
    """Listen for Approve."""
    app.action(APPROVE_ACTION)(handle_approve)
