"""The Check in button of the weekly prompt: open the objective's check-in form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import okrs
from bot.slack.listener import button_number, context_of, tell


def handle_checkin(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the check-in form of the objective the button names (one short read first)."""
    ack()
    okr_id = button_number(action.get("value"))
    if okr_id is None:
        return
    ctx = context_of(body, context, client)
    try:
        form = okrs.checkin_form(ctx, okr_id)
    except okrs.OkrError as problem:
        tell(ctx.words.say(problem), ctx=ctx, client=client)
        return
    client.views_open(trigger_id=body["trigger_id"], view=form)


def register(app: App) -> None:
    """Listen for the Check in button."""
    app.action(okrs.CHECKIN_ACTION)(handle_checkin)
