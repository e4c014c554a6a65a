"""The completion modal submitted: record the result and release what was not spent."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.fund import ledger as fund
from bot.fund.render import COMPLETION_VIEW, form_values, metadata_of
from bot.slack.listener import invocation, is_slack_admin
from handlers.actions.fund_messages import after_decision, tell


def handle_completion(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Complete the proposal; problems go back into the modal field by field."""
    asked = invocation(body, context)
    values = form_values(view.get("state", {}).get("values", {}))
    proposal_id = int(metadata_of(view).get("id") or 0)
    user = asked.user_id or ""

    def complete(slack_admin: bool) -> fund.Outcome:
        return fund.complete(
            asked.db,
            asked.settings,
            asked.workspace_id,
            proposal_id,
            user,
            values.get("actual_spend"),
            values.get("metric_value"),
            values.get("note"),
            slack_admin=slack_admin,
            clock=asked.clock,
        )

    try:
        try:
            outcome = complete(slack_admin=False)
        except fund.FundError as refused:
            # Only a person the bot does not know as an admin costs a users.info call.
            if str(refused) != fund.NOT_COMPLETER or not is_slack_admin(client, user):
                raise
            outcome = complete(slack_admin=True)
    except fund.InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except fund.FundError as refused:
        ack(response_action="errors", errors={"note": str(refused)})
        return
    ack()
    note = after_decision(client, asked, outcome)
    tell(note, asked=asked, client=client, respond=None, body=body)


def register(app: App) -> None:
    """Listen for completion submissions."""
    app.view(COMPLETION_VIEW)(handle_completion)
