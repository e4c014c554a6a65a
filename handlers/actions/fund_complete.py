"""The Mark completed button on an approved proposal: open the completion modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import fund
from bot.fund.render import COMPLETE_ACTION, completion_modal, notice_modal
from bot.slack.listener import after_ack, button_number, context_of


def handle_complete(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the form first (trigger ids expire), then replace it if the clicker may not."""
    ack()
    proposal_id = button_number(action.get("value"))
    if proposal_id is None:
        return
    ctx = context_of(body, context, client)
    form = completion_modal(proposal_id, ctx.first_lang)
    opened = client.views_open(trigger_id=body["trigger_id"], view=form)

    def check() -> None:
        problem = fund.refusal(ctx, proposal_id, "complete")
        if problem:
            view = opened["view"]
            notice = notice_modal(ctx.words._("Complete"), problem, ctx.lang)
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=notice)

    after_ack(check, body, None)


def register(app: App) -> None:
    """Listen for Mark completed."""
    app.action(COMPLETE_ACTION)(handle_complete)
