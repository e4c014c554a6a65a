"""`/fund`: ack at once, ask Slack whether the person is an admin (for budget), answer."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.fund.commands import fund_command
from bot.slack.listener import after_ack, deliver, invocation, is_slack_admin


def handle_fund(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Answer /fund; only `/fund budget` costs a users.info call (Slack admins may set it)."""
    ack()
    asked = invocation(body, context)
    text = body.get("text") or ""
    if text.strip().lower().startswith("propose"):
        # The modal needs no database work; open it before anything else can delay it.
        deliver(fund_command(text, asked), respond=respond, client=client, invocation=asked)
        return

    def answer() -> None:
        wants_budget = text.strip().lower().startswith("budget")
        admin = wants_budget and is_slack_admin(client, asked.user_id)
        reply = fund_command(text, asked, slack_admin=admin)
        deliver(reply, respond=respond, client=client, invocation=asked)

    after_ack(answer, body, respond)
