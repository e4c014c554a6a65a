"""Questions asked in messages (an @mention, a direct message): answered in the message's
thread, once per event, and never to the bot itself or another bot.

Not a listener itself: app_mention.py and direct_message.py (and the reading buttons under
their answers) share it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.core.dedupe import first_delivery
from bot.core.i18n import N_, Language, words
from bot.core.render import Reply, text_message
from bot.slack.listener import after_ack, context_of
from handlers.commands.table import answer_line

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
FORM_ONLY = N_(
    "That opens a form, which Slack opens only from a slash command: type it as a command "
    "(for example /fund propose or /warroom settings)."
)


def from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """True for a plain message a person wrote; False for bots (this one included), edits,
    deletions, joins and every other message subtype."""
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id


def question_of(event: dict[str, Any], bot_user_id: str | None) -> str:
    """The question in a message: its text without the mentions of the bot ("help" when
    nothing else is said)."""
    text = _MENTION.sub(
        lambda found: "" if found.group(1) == bot_user_id else found.group(0),
        event.get("text") or "",
    )
    return html.unescape(text).strip() or "help"


def post_in_thread(
    reply: Reply, channel: str, thread_ts: str, client: WebClient, language: Language = "en"
) -> None:
    """Post a Reply in a thread (a form, which only a slash command can open, is explained)."""
    message = reply.message or text_message(words(language)._(FORM_ONLY))
    client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)


def answer_in_thread(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Answer the question in a message event in its thread (once per event_id: Slack
    retries deliveries)."""
    ctx = context_of(body, context, client, actor=event["user"])
    question = question_of(event, context.bot_user_id)
    channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]

    def answer() -> None:
        if not first_delivery(ctx.db, body["event_id"], ctx.clock.now()):
            return
        post_in_thread(answer_line(question, ctx), channel, thread_ts, client, ctx.lang)

    after_ack(answer, body, None)
