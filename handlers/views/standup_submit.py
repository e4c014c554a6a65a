"""The stand-up form submitted: save the update (errors go back in the ack), confirm in DM."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack.listener import context_of, modal_metadata, modal_values, submitted_once
from bot.warroom import standup
from bot.warroom.forms import STANDUP_CALLBACK, standup_saved_message


def handle_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Validate and store in one short transaction before acking (errors travel in the ack);
    saved and confirmed once per submission (a replay never overwrites a later update)."""
    ctx = context_of(body, context, client)
    values = modal_values(view)
    try:
        day = date.fromisoformat(str(modal_metadata(view)["date"]))
    except (ValueError, KeyError):
        day = standup.standup_date(ctx)
    fields = {
        "campaign_id": values.get("campaign"),
        "shipped": values.get("shipped"),
        "next_steps": values.get("next_steps"),
        "resources_ready": values.get("resources") or [],
        "resources_note": values.get("resources_note"),
        "blockers": values.get("blockers"),
    }
    try:
        saved = submitted_once(
            ack, ctx, view, lambda once: standup.save_update(once, day, **fields), "blockers"
        )
        if saved is None:
            return
    except standup.StandupError as problem:
        ack(response_action="errors", errors={"blockers": ctx.words.say(problem)})
        return
    ack()
    client.chat_postMessage(channel=ctx.actor, **standup_saved_message(saved, ctx.lang))


def register(app: App) -> None:
    """Listen for stand-up submissions."""
    app.view(STANDUP_CALLBACK)(handle_submit)
