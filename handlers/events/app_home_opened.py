"""The Home tab: publish a fresh view each time someone opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.core.dedupe import first_delivery
from bot.slack.app import services_of
from bot.slack.listener import after_ack, invocation
from bot.warroom.home import home_view


def handle_home_opened(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Publish the Home view (once per event_id: Slack retries deliveries)."""
    if event.get("tab", "home") != "home":
        return
    services = services_of(context)
    asked = invocation(body, context)
    asked.user_id = event["user"]

    def publish() -> None:
        if not first_delivery(services.db, body["event_id"], services.clock.now()):
            return
        client.views_publish(user_id=event["user"], view=home_view(asked))

    after_ack(publish, body, None)


def register(app: App) -> None:
    """Listen for app_home_opened."""
    app.event("app_home_opened")(handle_home_opened)
