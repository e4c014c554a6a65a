"""The Home tab: publish a fresh view each time someone opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.core.dedupe import first_delivery
from bot.slack.listener import after_ack, context_of
from bot.warroom.home import home_view


def handle_home_opened(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Publish the Home view (once per event_id: Slack retries deliveries)."""
    if event.get("tab", "home") != "home":
        return
    ctx = context_of(body, context, client, actor=event["user"])

    def publish() -> None:
        if not first_delivery(ctx.db, body["event_id"], ctx.clock.now()):
            return
        client.views_publish(user_id=event["user"], view=home_view(ctx))

    after_ack(publish, body, None)


def register(app: App) -> None:
    """Listen for app_home_opened."""
    app.event("app_home_opened")(handle_home_opened)
