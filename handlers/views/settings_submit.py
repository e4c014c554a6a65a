"""The settings form submitted: validate through the one Settings model, store, re-plan."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.settings import SettingsError
from bot.slack.listener import context_of, modal_values, submitted_once
from bot.warroom.commands import save_workspace_settings
from bot.warroom.forms import (
    SETTINGS_CALLBACK,
    SETTINGS_FIELDS,
    settings_changes,
    settings_saved_message,
)
from jobs.scheduler import settings_changed


def _block_of(message: str) -> str:
    for name in SETTINGS_FIELDS:
        if f"Bad setting {name.upper()}" in message:
            return name
    return "timezone"


def handle_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Errors name the field in the form; saved settings win over .env from now on. Saved
    and confirmed once per submission."""
    ctx = context_of(body, context, client)
    changes = settings_changes(modal_values(view))
    try:
        changed = submitted_once(
            ack, ctx, view, lambda once: save_workspace_settings(once, changes), "digest_time"
        )
        if changed is None:
            return
    except SettingsError as problem:
        message = ctx.words.say(problem)
        ack(
            response_action="errors",
            errors={_block_of(str(problem)): message.split(": ", 1)[-1]},
        )
        return
    except PermissionError:
        only = ctx.words._("Only admins can change settings.")
        ack(response_action="errors", errors={"digest_time": only})
        return
    ack()
    if changed:
        settings_changed(ctx.workspace_id)
    language = changed.get("language") or ctx.lang
    client.chat_postMessage(channel=ctx.actor, **settings_saved_message(changed, language))


def register(app: App) -> None:
    """Listen for settings submissions."""
    app.view(SETTINGS_CALLBACK)(handle_submit)
