"""The completion modal submitted: record the result and release what was not spent."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import fund
from bot.fund.notify import after_decision
from bot.fund.render import COMPLETION_VIEW
from bot.slack.listener import context_of, modal_metadata, modal_values, submitted_once, tell


def handle_completion(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Complete the proposal (once per submission); problems go back into the modal field
    by field."""
    ctx = context_of(body, context, client)
    values = modal_values(view)
    proposal_id = int(modal_metadata(view).get("id") or 0)
    spent, value, note = values.get("actual_spend"), values.get("metric_value"), values.get("note")
    try:
        outcome = submitted_once(
            ack,
            ctx,
            view,
            lambda once: fund.complete(once, proposal_id, spent, value, note),
            "note",
        )
        if outcome is None:
            return
    except fund.InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors_in(ctx.lang))
        return
    except fund.FundError as refused:
        ack(response_action="errors", errors={"note": ctx.words.say(refused)})
        return
    ack()
    tell(after_decision(client, ctx, outcome), ctx=ctx, client=client)


def register(app: App) -> None:
    """Listen for completion submissions."""
    app.view(COMPLETION_VIEW)(handle_completion)
