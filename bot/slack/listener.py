"""What every listener shares: the Context of a request, the answer pool, delivering a Reply,
reading a submitted modal, and the polite last line of defence."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.context import Context
from bot.core.dedupe import AlreadyHandled, StillHandling, handle_once
from bot.core.render import Reply, text_message
from bot.core.workspace import workspace_key
from bot.slack.app import base_context

log = logging.getLogger(__name__)
T = TypeVar("T")

SORRY = (
    ":warning: Sorry, something went wrong on our side while answering that. "
    "It has been logged; please try again in a minute."
)
# Answers are computed here, not in Bolt's listener pool (which also runs every ack): a burst
# of slow questions then never delays the next request's ack past 3 seconds.
ANSWER_THREADS = 16
# Marks a request the console makes through bot.slack.local (never in one from Slack).
INLINE = "warroom_local"
_answers = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="answer")


def on_error(error: Exception, body: dict[str, Any], respond: Respond | None) -> None:
    """Log the failure with what was asked, and tell the person (when Slack gave us a way)."""
    what = body.get("command") or body.get("type") or body.get("event", {}).get("type")
    log.error(
        "Unhandled error for %s from user %s in team %s: %r",
        what,
        body.get("user_id") or body.get("user", {}).get("id"),
        body.get("team_id") or body.get("team", {}).get("id"),
        error,
        exc_info=error,
    )
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        try:
            respond(text=SORRY, response_type="ephemeral", replace_original=False)
        except Exception:  # the apology itself failed; the log above has the story
            log.exception("Could not tell the user about the error")


def after_ack(work: Callable[[], None], body: dict[str, Any], respond: Respond | None) -> None:
    """Run `work` (everything after ack) in the answer pool; a failure gets the apology. A
    request the console makes (INLINE) runs it at once, so its answers come in order."""
    if body.get(INLINE):
        work()
        return

    def run() -> None:
        try:
            work()
        except Exception as error:  # the same last line of defence as Bolt's error handler
            on_error(error, body, respond)

    _answers.submit(run)


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


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


def context_of(
    body: dict[str, Any], context: BoltContext, client: WebClient, actor: str | None = None
) -> Context:
    """The Context of a slash command, an interaction or an event: who acts (`actor`, else the
    payload's user), in which workspace and channel; whether they are a Slack admin is asked
    of Slack only when a rule needs it."""
    base = base_context(context)
    team_id = body.get("team_id") or _id(body.get("team")) or context.team_id
    user = actor or body.get("user_id") or _id(body.get("user")) or context.user_id
    return replace(
        base,
        workspace_id=workspace_key(base.env, team_id),
        actor=user,
        channel_id=body.get("channel_id") or _id(body.get("channel")) or context.channel_id,
        trigger_id=body.get("trigger_id"),
        surface=base.surface if body.get(INLINE) else "slack",
        slack_admin_check=lambda: is_slack_admin(client, user),
    )


def deliver(reply: Reply, *, respond: Respond | None, client: WebClient, ctx: Context) -> None:
    """Send a Reply: open its modal (first: trigger ids expire), then post its message.

    A public message goes to the channel with chat.postMessage; a private one goes through
    the response_url when there is one, else as an ephemeral message.
    """
    if reply.modal is not None and ctx.trigger_id:
        client.views_open(trigger_id=ctx.trigger_id, view=reply.modal)
    if reply.message is None:
        return
    if reply.public and ctx.channel_id:
        client.chat_postMessage(channel=ctx.channel_id, **reply.message)
    elif respond is not None:
        respond(**reply.message, response_type="ephemeral", replace_original=False)
    elif ctx.channel_id and ctx.actor:
        client.chat_postEphemeral(channel=ctx.channel_id, user=ctx.actor, **reply.message)
    else:
        log.warning("No way to deliver a reply for user %s", ctx.actor)


def _element_value(element: dict[str, Any]) -> Any:
    """What one input element of a submitted modal holds, whatever its type."""
    for key in (
        "value",
        "selected_user",
        "selected_date",
        "selected_time",
        "selected_conversation",
    ):
        if element.get(key) not in (None, ""):
            return element[key]
    if element.get("selected_option"):
        return element["selected_option"].get("value")
    if "selected_options" in element:
        return [option["value"] for option in element.get("selected_options") or []]
    return None


def modal_values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted modal's values by block id: text, user, date, time, channel, the chosen
    option's value, or the list of checked options' values (None when left empty)."""
    values: dict[str, Any] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in (actions or {}).values():
            values[block_id] = _element_value(element or {})
    return values


def view_request(view: dict[str, Any]) -> str:
    """What names one submission of a modal (for bot.core.dedupe.handle_once): its view id
    and hash. Slack keeps both when a submission is answered with errors, so the corrected
    resubmission has the same name; the failed one gave its claim back."""
    return f"{view.get('id') or '-'}:{view.get('hash') or '-'}"[:200]


def click_request(body: dict[str, Any], action: dict[str, Any]) -> str:
    """What names one button click (for bot.core.dedupe.handle_once): the action, who
    clicked, and when (a replay carries the same; a second click does not)."""
    user = body.get("user") or {}
    who = user.get("id") if isinstance(user, dict) else user
    return f"{action.get('action_id')}:{who}:{action.get('action_ts')}"[:200]


def submitted_once(
    ack: Ack, ctx: Context, view: dict[str, Any], work: Callable[[Context], T], block: str
) -> T | None:
    """Run `work` once per submission of `view`, however often it is delivered; None when
    this delivery is a twin, answered here: the modal closes when the twin did the work, and
    `block` says to try again while the twin is still at it. The work's own errors (invalid
    input) propagate, and leave the submission free for the corrected one."""
    try:
        return handle_once(ctx, "view", view_request(view), work)
    except AlreadyHandled:
        ack()
    except StillHandling as busy:
        ack(response_action="errors", errors={block: str(busy)})
    return None


def clicked_once(
    ctx: Context, body: dict[str, Any], action: dict[str, Any], work: Callable[[Context], T]
) -> T | None:
    """Run `work` once per click, however often it is delivered; None for a twin."""
    try:
        return handle_once(ctx, "click", click_request(body, action), work)
    except (AlreadyHandled, StillHandling):
        log.info("click %s delivered again; handled once", click_request(body, action))
        return None


def tell(
    text: str,
    *,
    ctx: Context,
    client: WebClient,
    respond: Respond | None = None,
    body: dict[str, Any] | None = None,
) -> None:
    """A private note to the person who acted: in the channel they clicked in, else a DM."""
    message = text_message(text)
    try:
        if respond is not None and (body or {}).get("response_url"):
            respond(**message, response_type="ephemeral", replace_original=False)
        elif ctx.actor:
            client.chat_postMessage(channel=ctx.actor, **message)
    except Exception:  # noqa: BLE001 (nothing else to do but log)
        log.exception("Could not tell %s: %s", ctx.actor, text)


# Ids are INTEGER columns: a button carrying more (10**23) names nothing, never an overflow.
MAX_BUTTON_NUMBER = 2**31 - 1


def button_number(value: str | None) -> int | None:
    """The number a button carries (a proposal id, 1 to MAX_BUTTON_NUMBER), or None when it
    carries none."""
    text = str(value or "").strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_BUTTON_NUMBER)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_BUTTON_NUMBER else None


def modal_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's private_metadata as a dict (empty when missing or not a JSON object)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
