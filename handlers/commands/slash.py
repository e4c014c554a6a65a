"""Every slash command: ack at once, then answer through the command table."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.slack.listener import after_ack, context_of, deliver
from handlers.commands.table import answer_command, opens_form


def handle_command(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Acknowledge within Slack's 3 seconds, before any database work, then answer."""
    ack()
    ctx = context_of(body, context, client)
    command, text = body["command"], body.get("text") or ""

    def answer() -> None:
        reply = answer_command(command, text, ctx)
        deliver(reply, respond=respond, client=client, ctx=ctx)

    if opens_form(command, text):
        # Slack's trigger id lives 3 seconds: a form is opened here, not after a queue.
        answer()
    else:
        after_ack(answer, body, respond)
