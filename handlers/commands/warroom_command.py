"""`/warroom`: ack at once; for settings and team ask Slack whether the person is an admin."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.commands import answer_command
from bot.slack.listener import deliver, invocation, is_slack_admin
from bot.warroom import commands as warroom


def handle_warroom(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Answer /warroom; only admin subcommands cost a users.info call."""
    ack()
    asked = invocation(body, context)
    text = body.get("text") or ""
    word = text.strip().split(" ", 1)[0].lower()
    needs_admin = word in warroom.ADMIN_SUBCOMMANDS and not warroom.is_admin(asked)
    admin = needs_admin and is_slack_admin(client, asked.user_id)
    reply = warroom.answer(text, asked, slack_admin=admin)
    if reply is None:
        reply = answer_command("/warroom", text, asked)
    deliver(reply, respond=respond, client=client, invocation=asked)
