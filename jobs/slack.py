"""What scheduled jobs need from Slack: the workspaces to serve and a client for each."""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.core.context import Context
from bot.core.workspace import SINGLE_WORKSPACE
from bot.models import SLACK_BOTS, Workspace
from bot.slack.client import NoInstallation, workspace_client
from bot.warroom.team import list_members

log = logging.getLogger(__name__)

# Errors retrying cannot fix: the channel, the token or the app's scopes must change first.
PERMANENT_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
    }
)
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def workspace_ids(ctx: Context) -> list[str]:
    """The workspaces scheduled jobs serve: the one shared id, or every OAuth installation."""
    if ctx.env.slack_mode != "oauth":
        return [SINGLE_WORKSPACE]
    with ctx.db.state.connect() as connection:
        installed = connection.execute(
            select(SLACK_BOTS.c.team_id).where(SLACK_BOTS.c.team_id.is_not(None)).distinct()
        ).scalars()
        known = connection.execute(select(Workspace.id)).scalars()
        ids = set(installed) | (set(known) - {SINGLE_WORKSPACE})
    return sorted(ids)


def client_for(ctx: Context) -> WebClient:
    """A Web API client (with the retry handlers) holding the workspace's bot token."""
    return workspace_client(ctx.env, ctx.db.state, ctx.workspace_id)


def slack_error(error: Exception) -> str:
    """The short Slack error code ("not_in_channel") or the exception's text."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error)
    return f"{type(error).__name__}: {error}"


def is_permanent(error: Exception) -> bool:
    """True for errors a retry cannot fix (see PERMANENT_ERRORS)."""
    return isinstance(error, SlackApiError | NoInstallation) and (
        isinstance(error, NoInstallation) or slack_error(error) in PERMANENT_ERRORS
    )


def channel_id(client: WebClient, channel: str) -> str | None:
    """The id of a channel given as an id or "#name" (None when the bot cannot see it)."""
    if _CHANNEL_ID.match(channel):
        return channel
    name = channel.lstrip("#")
    cursor = None
    # conversations.list is heavily rate limited; this runs only on the rare retry path.
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


def notify_admins(ctx: Context, client: WebClient, text: str) -> int:
    """Send `text` privately to the workspace's bot admins; how many were told."""
    told = 0
    workspace_id = ctx.workspace_id
    for person in list_members(ctx.db, workspace_id):
        if not person.is_admin:
            continue
        try:
            client.chat_postMessage(channel=person.user_id, text=text)
            told += 1
        except Exception:  # noqa: BLE001 (a note that cannot be delivered is only logged)
            log.exception("could not send a note to admin %s", person.user_id)
    if not told:
        log.warning("no bot admin to tell in workspace %s: %s", workspace_id, text)
    return told
