"""Every slash command: ack at once, then answer through the command core."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.commands import answer_command
from bot.slack.listener import after_ack, deliver, invocation


def handle_command(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Acknowledge within Slack's 3 seconds, before any database work, then answer."""
    ack()
    asked = invocation(body, context)

    def answer() -> None:
        reply = answer_command(body["command"], body.get("text") or "", asked)
        deliver(reply, respond=respond, client=client, invocation=asked)

    after_ack(answer, body, respond)
