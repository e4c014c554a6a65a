"""`/warroom`: posting the digest now is the digest job's work; the rest is the war room's."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.render import Reply
from bot.warroom.commands import wants_digest_now, warroom_command
from jobs.digest import send_now


def answer(text: str, ctx: Context) -> Reply:
    """Answer `/warroom ...`."""
    if wants_digest_now(text):
        return send_now(ctx)
    return warroom_command(text, ctx)
