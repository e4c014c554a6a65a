"""The new-objective form submitted: check every field in the ack, store it once, confirm."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import okrs
from bot.slack.listener import context_of, modal_values, submitted_once, tell


def handle_new(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Store the objective with its key results, once per submission; problems go back into
    the form, each under its field."""
    ctx = context_of(body, context, client)
    values = modal_values(view)
    try:
        okr_id = submitted_once(
            ack, ctx, view, lambda once: okrs.submit_new_okr(once, values), "objective"
        )
        if okr_id is None:
            return
    except okrs.InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    ack()
    tell(okrs.created_text(ctx, okr_id), ctx=ctx, client=client)


def register(app: App) -> None:
    """Listen for new-objective submissions."""
    app.view(okrs.NEW_VIEW)(handle_new)
