"""A reading chosen under an unclear question: answer the command it carries, where the
question was asked (privately under a slash command, in the thread under a mention or DM)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.language import READING_ACTION, answer_reading
from bot.slack.listener import after_ack, context_of, deliver
from handlers.events.thread import post_in_thread


def thread_of(body: dict[str, Any]) -> tuple[str, str] | None:
    """The channel and thread of the message the button is on, when it is a message everyone
    in the conversation sees (the answer goes there too); None for an ephemeral one."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    ts = message.get("thread_ts") or container.get("thread_ts") or message.get("ts")
    return (channel, ts) if channel and ts else None


def handle_reading(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Ask the chosen reading and deliver its answer beside the choices."""
    ack()
    ctx = context_of(body, context, client)

    def answer() -> None:
        reply = answer_reading(action.get("value", ""), ctx)
        thread = thread_of(body)
        if thread is None:
            deliver(reply, respond=respond, client=client, ctx=ctx)
        else:
            post_in_thread(reply, *thread, client, ctx.lang)

    after_ack(answer, body, respond)


def register(app: App) -> None:
    """Listen for every reading button (language_reading_0, _1 ...)."""
    app.action(re.compile(rf"^{READING_ACTION}_\d+$"))(handle_reading)
