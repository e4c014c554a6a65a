"""What every listener shares: who asked (an Invocation) and how a Reply reaches Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import Invocation, Reply
from bot.core.workspace import workspace_key
from bot.slack.app import services_of

log = logging.getLogger(__name__)

# Answers are computed here, not in Bolt's listener pool (five threads, which also run every
# ack): a burst of slow questions then never delays the next request's ack past 3 seconds.
ANSWER_THREADS = 16
_answers = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="answer")


def after_ack(work: Callable[[], None], body: dict[str, Any], respond: Respond | None) -> None:
    """Run `work` (everything after ack) in the answer pool; a failure gets the apology."""
    from handlers.errors import on_error

    def run() -> None:
        try:
            work()
        except Exception as error:  # the same last line of defence as Bolt's error handler
            on_error(error, body, respond)

    _answers.submit(run)


def invocation(body: dict[str, Any], context: BoltContext) -> Invocation:
    """The Invocation for a slash command, an interaction or an event payload."""
    services = services_of(context)
    team_id = body.get("team_id") or (body.get("team") or {}).get("id") or context.team_id
    user = body.get("user") or {}
    channel = body.get("channel") or {}
    return Invocation(
        services=services,
        workspace_id=workspace_key(services.settings, team_id),
        user_id=body.get("user_id")
        or (user.get("id") if isinstance(user, dict) else user)
        or context.user_id,
        channel_id=body.get("channel_id")
        or (channel.get("id") if isinstance(channel, dict) else channel)
        or context.channel_id,
        user_name=body.get("user_name") or (user.get("name") if isinstance(user, dict) else None),
        team_id=team_id,
        trigger_id=body.get("trigger_id"),
    )


def deliver(
    reply: Reply,
    *,
    respond: Respond | None,
    client: WebClient,
    invocation: Invocation,
) -> None:
    """Send a Reply: open its modal (first: trigger ids expire), then post its message.

    A public message goes to the channel with chat.postMessage; a private one goes through
    the response_url when there is one, else as an ephemeral message.
    """
    if reply.modal is not None and invocation.trigger_id:
        client.views_open(trigger_id=invocation.trigger_id, view=reply.modal)
    if reply.message is None:
        return
    if reply.public and invocation.channel_id:
        client.chat_postMessage(channel=invocation.channel_id, **reply.message)
    elif respond is not None:
        respond(**reply.message, response_type="ephemeral", replace_original=False)
    elif invocation.channel_id and invocation.user_id:
        client.chat_postEphemeral(
            channel=invocation.channel_id, user=invocation.user_id, **reply.message
        )
    else:
        log.warning("No way to deliver a reply for user %s", invocation.user_id)


def is_slack_admin(client: WebClient, user_id: str | None) -> bool:
    """True when Slack says the person is a workspace admin or owner."""
    if not user_id:
        return False
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError:
        log.warning("users.info failed for %s; treating them as not an admin", user_id)
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))
