"""The settings form submitted: validate through the one Settings model, store, re-plan."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.settings import SettingsError
from bot.slack.listener import invocation, is_slack_admin
from bot.warroom import commands as warroom
from bot.warroom.render import SETTINGS_CALLBACK, settings_saved_message

FIELDS = (
    "digest_channel",
    "digest_time",
    "digest_weekdays_only",
    "standup_time",
    "standup_mode",
    "timezone",
    "currency",
    "alert_ltv_cac_min",
    "alert_retention_drop_days",
    "alert_roi_weeks",
    "alert_surge_factor",
)


def changes_of(values: dict[str, Any]) -> dict[str, Any]:
    """The submitted values as settings (strings; the Settings model converts them)."""
    out: dict[str, Any] = {}
    for name in FIELDS:
        element = (values.get(name) or {}).get("value") or {}
        value = (
            element.get("selected_conversation")
            or element.get("selected_time")
            or (element.get("selected_option") or {}).get("value")
            or element.get("value")
        )
        if value in (None, ""):
            continue
        if name == "digest_weekdays_only":
            value = value == "true"
        out[name] = value
    return out


def _block_of(message: str) -> str:
    for name in FIELDS:
        if f"Bad setting {name.upper()}" in message:
            return name
    return "timezone"


def handle_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Errors name the field in the form; saved settings win over .env from now on."""
    asked = invocation(body, context)
    values = (view.get("state") or {}).get("values") or {}
    admin = not warroom.is_admin(asked) and is_slack_admin(client, asked.user_id)
    try:
        changed = warroom.save_workspace_settings(asked, changes_of(values), slack_admin=admin)
    except SettingsError as problem:
        message = str(problem)
        ack(response_action="errors", errors={_block_of(message): message.split(": ", 1)[-1]})
        return
    except PermissionError:
        ack(response_action="errors", errors={"digest_time": "Only admins can change settings."})
        return
    ack()
    client.chat_postMessage(channel=asked.user_id, **settings_saved_message(changed))


def register(app: App) -> None:
    """Listen for settings submissions."""
    app.view(SETTINGS_CALLBACK)(handle_submit)
