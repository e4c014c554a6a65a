"""The reason modal submitted: reject, or send back for changes, with the reason."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.fund import ledger as fund
from bot.fund.render import REASON_BLOCK, REASON_VIEW, form_values, metadata_of
from bot.slack.listener import invocation
from handlers.actions.fund_messages import after_decision, tell


def handle_reason(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Decide in the ack's time (errors go back into the modal), then update and DM."""
    asked = invocation(body, context)
    data = metadata_of(view)
    reason = form_values(view.get("state", {}).get("values", {})).get(REASON_BLOCK)
    decide = fund.reject if data.get("kind") == "reject" else fund.request_changes
    try:
        outcome = decide(
            asked.db,
            asked.settings,
            asked.workspace_id,
            int(data.get("id") or 0),
            asked.user_id or "",
            reason,
            asked.clock,
        )
    except fund.InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except fund.FundError as refused:
        ack(response_action="errors", errors={REASON_BLOCK: str(refused)})
        return
    ack()
    note = after_decision(client, asked, outcome)
    tell(note, asked=asked, client=client, respond=None, body=body)


def register(app: App) -> None:
    """Listen for reason submissions."""
    app.view(REASON_VIEW)(handle_reason)
