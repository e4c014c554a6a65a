"""@War Room in a channel: the question after the mention, answered in the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.events.thread import answer_in_thread, from_a_person


def handle_mention(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Answer a person's mention; a mention in a DM is answered as the DM itself."""
    if not from_a_person(event, context.bot_user_id) or event.get("channel", "").startswith("D"):
        return
    answer_in_thread(body, event, client, context)


def register(app: App) -> None:
    """Listen for app_mention."""
    app.event("app_mention")(handle_mention)
