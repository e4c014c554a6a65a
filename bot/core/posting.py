"""Slack messages that must go out once, whatever the network says.

Every such message carries metadata naming what it is (a Tag: the digest of a day, an alert's
opening, a proposal). chat.postMessage is never repeated automatically: the post goes through
a copy of the client that retries only a 429 (Slack refused it, so nothing went out), never a
5xx, a time-out or a dropped connection, after which Slack may well have taken it. Instead:

- when the answer leaves it open (a 5xx, Slack's internal_error, a time-out, a connection
  dropped after the request was sent), the message is looked up by its metadata
  (conversations.history, or conversations.replies in a thread, with include_all_metadata):
  found, it is the post; not found, nothing went out and the error is raised for a later
  attempt;
- an attempt that follows one that may have posted (its process died, or its lookup failed)
  looks first (`may_exist`);
- when the lookup itself is impossible (a missing history scope, the channel cannot be
  found, Slack is down), nothing is posted: Uncertain is raised, and the caller marks the
  send uncertain for a person to resolve.

Only slack_sdk is used here, so the features and the jobs share it (bot.slack is above them).
"""

from __future__ import annotations

import copy
import http.client
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

log = logging.getLogger(__name__)

# Errors Slack answers with HTTP 200 that still leave it open whether the post was taken.
AMBIGUOUS_ERRORS = frozenset(
    {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}
)
# The history is searched from a little before the first attempt (clocks differ).
LOOKUP_MARGIN = timedelta(minutes=10)
PAGE_SIZE = 200
MAX_PAGES = 10
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")


@dataclass(frozen=True)
class Tag:
    """What a message is, carried in its metadata: `event_type` and the payload naming it."""

    event_type: str
    payload: Mapping[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """The message metadata to post with."""
        return {"event_type": self.event_type, "event_payload": dict(self.payload)}

    def names(self, message: Mapping[str, Any]) -> bool:
        """True when `message` (from the history) carries this tag."""
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        return metadata.get("event_type") == self.event_type and all(
            str(payload.get(name)) == str(value) for name, value in self.payload.items()
        )

    def __str__(self) -> str:
        named = ", ".join(f"{k}={v}" for k, v in self.payload.items())
        return f"{self.event_type}({named})"


@dataclass(frozen=True)
class Posted:
    """Where the message is; `found` when an earlier post was found instead of posting."""

    channel: str
    ts: str
    found: bool = False


class Uncertain(Exception):
    """Whether the message went out cannot be checked (the lookup failed); nothing was posted."""


def error_code(error: BaseException) -> str:
    """Slack's short error code ("not_in_channel"), or the exception's type and text."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        code = str(error.response.get("error") or "error")
        return code if status == 200 else f"{code} (HTTP {status})"
    return f"{type(error).__name__}: {error}"


def is_ambiguous(error: BaseException) -> bool:
    """True when Slack may have taken the request despite `error`: a 5xx, an internal error,
    a time-out or a connection dropped once the request was on its way."""
    if isinstance(error, SlackApiError):
        if getattr(error.response, "status_code", 200) >= 500:
            return True
        return error.response.get("error") in AMBIGUOUS_ERRORS
    if isinstance(error, URLError):
        # A refused connection never reached Slack; anything else may have.
        return not isinstance(error.reason, ConnectionRefusedError)
    if isinstance(error, ConnectionRefusedError):
        return False
    return isinstance(error, TimeoutError | ConnectionError | http.client.HTTPException)


def single_shot(client: WebClient) -> WebClient:
    """A copy of `client` that repeats a request only after a 429 (which Slack refused)."""
    once = copy.copy(client)
    once.retry_handlers = [
        handler
        for handler in client.retry_handlers
        if isinstance(handler, RateLimitErrorRetryHandler)
    ]
    return once


def resolve_channel(client: WebClient, channel: str) -> str | None:
    """The id of a conversation given as an id, a user (their DM) or "#name"; None when the
    bot cannot see it. conversations.list is heavily rate limited: only lookups use it."""
    if _CHANNEL_ID.match(channel):
        return channel
    if _USER_ID.match(channel):
        opened = client.conversations_open(users=channel)
        return str((opened.get("channel") or {}).get("id") or "") or None
    name = channel.lstrip("#")
    cursor = None
    for _ in range(20):
        page = client.conversations_list(
            types="public_channel,private_channel", limit=1000, cursor=cursor
        )
        for item in page.get("channels") or []:
            if item.get("name") == name:
                return item.get("id")
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def _epoch(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{(aware - LOOKUP_MARGIN).timestamp():.6f}"


def _messages(
    client: WebClient, channel: str, since: datetime, thread_ts: str | None
) -> Iterator[dict[str, Any]]:
    cursor = None
    for _ in range(MAX_PAGES):
        if thread_ts:
            page = client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                include_all_metadata=True,
                limit=PAGE_SIZE,
                cursor=cursor,
            )
        else:
            page = client.conversations_history(
                channel=channel,
                oldest=_epoch(since),
                include_all_metadata=True,
                limit=PAGE_SIZE,
                cursor=cursor,
            )
        yield from page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return
    raise Uncertain(f"more than {MAX_PAGES * PAGE_SIZE} messages since the first attempt")


def find_message(
    client: WebClient,
    channel: str,
    tag: Tag,
    since: datetime,
    thread_ts: str | None = None,
) -> Posted | None:
    """The message carrying `tag` posted to `channel` (or its thread) since `since`, or None.

    Raises Uncertain when Slack cannot be asked (missing scope, unknown channel, an error)."""
    try:
        channel_id = resolve_channel(client, channel)
        if channel_id is None:
            raise Uncertain(f"{channel} cannot be found to look for the message")
        for message in _messages(client, channel_id, since, thread_ts):
            if tag.names(message) and message.get("ts"):
                return Posted(channel_id, str(message["ts"]), found=True)
    except Uncertain:
        raise
    except Exception as error:  # noqa: BLE001 (any failure means the lookup is impossible)
        raise Uncertain(f"looking for it failed ({error_code(error)})") from error
    return None


def post_once(
    client: WebClient,
    channel: str,
    message: Mapping[str, Any],
    tag: Tag,
    *,
    may_exist: bool = False,
    since: datetime | None = None,
    thread_ts: str | None = None,
    before_post: Callable[[], None] | None = None,
) -> Posted:
    """Post `message` (text, blocks, ...) tagged with `tag` to `channel` once.

    `may_exist`: an earlier attempt (from `since`) may have posted it, so it is looked for
    first. `before_post` runs just before the post (to record that one may now exist).
    Raises Uncertain when a needed lookup is impossible (nothing is posted then), and Slack's
    error when the post failed and nothing went out.
    """
    started = since or datetime.now(UTC)
    if may_exist:
        earlier = find_message(client, channel, tag, started, thread_ts)
        if earlier is not None:
            log.warning("%s was posted before (ts %s); not posting it again", tag, earlier.ts)
            return earlier
    if before_post is not None:
        before_post()
    extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
    try:
        answer = single_shot(client).chat_postMessage(
            channel=channel, **message, **extra, metadata=tag.metadata()
        )
        return Posted(str(answer["channel"]), str(answer["ts"]))
    except Exception as error:
        if not is_ambiguous(error):
            raise
        log.warning("posting %s: %s; looking whether it went out", tag, error_code(error))
        found = find_message(client, channel, tag, started, thread_ts)
        if found is not None:
            log.warning("%s went out despite the error (ts %s)", tag, found.ts)
            return found
        raise
