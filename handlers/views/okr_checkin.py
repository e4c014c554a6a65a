"""The check-in form submitted: check it in the ack, store it once, confirm privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import okrs
from bot.slack.listener import context_of, modal_metadata, modal_values, submitted_once, tell


def handle_checkin(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Store the check-in once per submission; problems go back into the form."""
    ctx = context_of(body, context, client)
    values = modal_values(view)
    okr_id = int(modal_metadata(view).get("okr") or 0)
    try:
        saved = submitted_once(
            ack, ctx, view, lambda once: okrs.submit_checkin(once, okr_id, values), "confidence"
        )
        if saved is None:
            return
    except okrs.InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    ack()
    tell(okrs.checkin_saved(ctx, saved), ctx=ctx, client=client)


def register(app: App) -> None:
    """Listen for check-in submissions."""
    app.view(okrs.CHECKIN_VIEW)(handle_checkin)
