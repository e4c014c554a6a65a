""" "Show the numbers" on an alert: the metric behind it, privately, through the command core."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.commands import answer_command, split_line
from bot.metrics.render import query_of_button
from bot.slack.listener import deliver, invocation
from bot.warroom.render import ALERT_NUMBERS_ACTION


def handle_numbers(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Answer the alert's command for the person who clicked."""
    ack()
    asked = invocation(body, context)
    command, text = split_line(query_of_button(action.get("value") or ""))
    reply = answer_command(command, text, asked)
    deliver(reply, respond=respond, client=client, invocation=asked)


def register(app: App) -> None:
    """Listen for the alert button."""
    app.action(ALERT_NUMBERS_ACTION)(handle_numbers)
