"""A direct message to the bot (its Messages tab): the question answered in the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.events.thread import answer_in_thread, from_a_person


def is_direct_message(event: dict[str, Any]) -> bool:
    """True for a message in a DM with the bot (message.im)."""
    return event.get("channel_type") == "im"


def handle_direct_message(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Answer a person's DM (not the bot's own answers, not edits or other bots)."""
    if from_a_person(event, context.bot_user_id):
        answer_in_thread(body, event, client, context)


def register(app: App) -> None:
    """Listen for message.im."""
    app.event("message", matchers=[is_direct_message])(handle_direct_message)
