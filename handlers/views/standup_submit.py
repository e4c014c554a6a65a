"""The stand-up form submitted: save the update (errors go back in the ack), confirm in DM."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack.listener import invocation
from bot.warroom import standup
from bot.warroom.render import STANDUP_CALLBACK, standup_saved_message


def _value(values: dict[str, Any], block: str) -> Any:
    element = (values.get(block) or {}).get("value") or {}
    kind = element.get("type")
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    if kind == "checkboxes":
        return [o["value"] for o in element.get("selected_options") or []]
    return element.get("value")


def handle_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Validate and store in one short transaction before acking (errors travel in the ack)."""
    asked = invocation(body, context)
    values = (view.get("state") or {}).get("values") or {}
    try:
        day = date.fromisoformat(json.loads(view.get("private_metadata") or "{}")["date"])
    except (ValueError, KeyError):
        day = standup.standup_date(asked.settings, asked.clock)
    try:
        saved = standup.save_update(
            asked.db,
            asked.workspace_id,
            asked.user_id or "",
            day,
            campaign_id=_value(values, "campaign"),
            shipped=_value(values, "shipped"),
            next_steps=_value(values, "next_steps"),
            resources_ready=_value(values, "resources") or [],
            resources_note=_value(values, "resources_note"),
            blockers=_value(values, "blockers"),
            now=asked.clock.now(),
        )
    except standup.StandupError as problem:
        ack(response_action="errors", errors={"blockers": str(problem)})
        return
    ack()
    client.chat_postMessage(channel=asked.user_id, **standup_saved_message(saved))


def register(app: App) -> None:
    """Listen for stand-up submissions."""
    app.view(STANDUP_CALLBACK)(handle_submit)
