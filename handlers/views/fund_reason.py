"""The reason modal submitted: reject, or send back for changes, with the reason."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import fund
from bot.fund.notify import after_decision
from bot.fund.render import REASON_BLOCK, REASON_VIEW
from bot.slack.listener import context_of, modal_metadata, modal_values, submitted_once, tell


def handle_reason(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Decide in the ack's time (errors go back into the modal), then update and DM; once
    per submission."""
    ctx = context_of(body, context, client)
    data = modal_metadata(view)
    reason = modal_values(view).get(REASON_BLOCK)
    decide = fund.reject if data.get("kind") == "reject" else fund.request_changes
    proposal_id = int(data.get("id") or 0)
    try:
        outcome = submitted_once(
            ack, ctx, view, lambda once: decide(once, proposal_id, reason), REASON_BLOCK
        )
        if outcome is None:
            return
    except fund.InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors_in(ctx.lang))
        return
    except fund.FundError as refused:
        ack(response_action="errors", errors={REASON_BLOCK: ctx.words.say(refused)})
        return
    ack()
    tell(after_decision(client, ctx, outcome), ctx=ctx, client=client)


def register(app: App) -> None:
    """Listen for reason submissions."""
    app.view(REASON_VIEW)(handle_reason)
