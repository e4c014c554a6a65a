"""What scheduled jobs need from Slack: the workspaces to serve and a client for each."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.core.context import Context
from bot.core.posting import Tag, Uncertain, error_code, post_once
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
NOTE_EVENT = "warroom_note"


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
    return error_code(error)


def is_permanent(error: Exception) -> bool:
    """True for errors a retry cannot fix (see PERMANENT_ERRORS)."""
    return isinstance(error, SlackApiError | NoInstallation) and (
        isinstance(error, NoInstallation) or slack_error(error) in PERMANENT_ERRORS
    )


def notify_admins(ctx: Context, client: WebClient, text: str, topic: str) -> int:
    """Send `text` privately to the workspace's bot admins, once each for `topic` (what the
    note is about, e.g. "digest:2026-11-02:uncertain"); how many were told."""
    told = 0
    workspace_id = ctx.workspace_id
    for person in list_members(ctx.db, workspace_id):
        if not person.is_admin:
            continue
        tag = Tag(NOTE_EVENT, {"workspace": workspace_id, "topic": topic, "to": person.user_id})
        try:
            post_once(client, person.user_id, {"text": text}, tag)
            told += 1
        except Uncertain as why:
            log.error("a note to admin %s may not have arrived: %s", person.user_id, why)
        except Exception as error:  # noqa: BLE001 (a note that cannot be delivered is logged)
            log.error("could not send a note to admin %s: %s", person.user_id, slack_error(error))
    if not told:
        log.warning("no bot admin told in workspace %s: %s", workspace_id, text)
    return told
