"""The Withdraw button (the submitter's DM, App Home): take a proposal back."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot import fund
from bot.render.fund import WITHDRAW_ACTION
from handlers.actions.fund_messages import after_decision, proposal_id_of, tell
from handlers.slack import after_ack, invocation


def handle_withdraw(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Withdraw the proposal (submitter only) and show it withdrawn in the fund channel."""
    ack()
    asked = invocation(body, context)

    def answer() -> None:
        proposal_id = proposal_id_of(action.get("value"))
        note = "That button does not name a proposal." if proposal_id is None else ""
        if proposal_id is not None:
            try:
                outcome = fund.withdraw(
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
                note = after_decision(client, asked, outcome, dm=False)
        tell(note, asked=asked, client=client, respond=respond, body=body)

    after_ack(answer, body, respond)


def register(app: App) -> None:
    """Listen for Withdraw."""
    app.action(WITHDRAW_ACTION)(handle_withdraw)
