""" "Post my update" clicked: open the stand-up form (first, while the trigger id is fresh)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack.listener import context_of
from bot.warroom import standup
from bot.warroom.forms import loading_modal, standup_modal
from bot.warroom.render import STANDUP_OPEN_ACTION


def handle_open(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open a placeholder form at once, then fill it (or explain why not) with views.update."""
    ack()
    ctx = context_of(body, context, client)
    opened = client.views_open(
        trigger_id=body["trigger_id"], view=loading_modal(language=ctx.first_lang)
    )
    view_id = opened["view"]["id"]
    try:
        day = date.fromisoformat(action.get("value") or "")
    except ValueError:
        day = standup.standup_date(ctx)
    try:
        person, campaigns, existing = standup.form_for(ctx, day)
    except standup.StandupError as problem:
        client.views_update(view_id=view_id, view=loading_modal(ctx.words.say(problem), ctx.lang))
        return
    form = standup_modal(person, day, campaigns, existing, ctx.lang)
    client.views_update(view_id=view_id, view=form)


def register(app: App) -> None:
    """Listen for the stand-up button."""
    app.action(STANDUP_OPEN_ACTION)(handle_open)
