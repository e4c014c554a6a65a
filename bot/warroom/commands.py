"""`/warroom help`, `settings`, `team` and `digest preview`: the war room's command answers.

Posting the digest (`/warroom digest now`) is the digest job's work (jobs/digest.py); the
command table sends it there, and asks `digest_refusal` here who may do it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from bot.core.blocks import mention
from bot.core.context import Context
from bot.core.render import Reply
from bot.core.settings import SettingsError
from bot.core.workspace import WORKSPACE_SETTINGS, save_settings
from bot.warroom.compose import digest_payload
from bot.warroom.forms import settings_modal, team_message
from bot.warroom.team import TeamError, add_member, list_members, member, remove_member

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")

HELP = """\
*War Room*: ask for numbers, read the war room, spend the fund together.

*Metrics* (answers are private; use *Share to channel* to show the team)
`/ltv channel=tiktok` – lifetime value, last 30 complete days vs the 30 before
`/cac channel=tiktok,douyin by=channel` – acquisition cost, broken down by channel
`/roi period=2026-10` – return on spend for a calendar month
`/retention d=1 since=14d grain=day` – next-day retention, day by day
`/metric ltv_cac from=2026-09-01 to=2026-09-30 kind=paid` – any metric
`/metric list` – every metric with its definition

*Filters and options*: `channel=` `campaign=` `kind=paid|organic` `by=channel|campaign|kind`
`since=14d` `period=2026-10` `from=` `to=` `grain=day|week|month` `vs=prev|yoy|none`

*War room*
`/warroom help` – this help
`/warroom settings` – digest channel and time, alert thresholds (admins)
`/warroom team` – who is in marketing and operations, and who approves
`/warroom digest now` – post today's digest now

*Innovation fund*
`/fund propose` · `/fund list` · `/fund budget 2027 12000000` (admins)"""


def parse_user(word: str) -> str | None:
    """A Slack user id from "<@U123|name>", "<@U123>", "@U123" or "U123"; None otherwise."""
    match = _USER.match(word.strip())
    if not match:
        return None
    return match.group(1) or match.group(2)


def _not_admin() -> Reply:
    return Reply.error(
        "Only admins can do that: Slack workspace admins and owners, and people an admin "
        "added with `warroom team add ... --admin`."
    )


def help_command(text: str, ctx: Context) -> Reply:
    """The list of commands with examples."""
    return Reply.text(HELP)


def settings_command(text: str, ctx: Context) -> Reply:
    """Open the workspace settings form (admins); the console lists the values instead."""
    if not ctx.is_admin:
        return _not_admin()
    if ctx.surface == "console":
        lines = [f"{name.upper()}={value}" for name, value in current_settings(ctx).items()]
        heading = "Workspace settings (change them in Slack with /warroom settings)"
        return Reply.text("\n".join([heading, *lines]))
    return Reply(modal=settings_modal(ctx.settings))


def current_settings(ctx: Context) -> dict[str, Any]:
    """The values of the settings a workspace may change from Slack."""
    return {name: getattr(ctx.settings, name) for name in WORKSPACE_SETTINGS}


def save_workspace_settings(ctx: Context, changes: dict[str, Any]) -> dict[str, Any]:
    """Store the changed settings (admins); returns what actually changed. Raises
    SettingsError naming a bad value, or PermissionError."""
    if not ctx.is_admin:
        raise PermissionError("only admins can change the settings")
    current = current_settings(ctx)
    changed = {k: v for k, v in changes.items() if v is not None and current.get(k) != v}
    if changed:
        save_settings(ctx.db, ctx.env, ctx.workspace_id, changed)
    return changed


def team_command(text: str, ctx: Context) -> Reply:
    """`/warroom team`, `team add marketing|operations @user [approver]`, `team remove @user`."""
    words = text.split()
    action = words[0].lower() if words else "list"
    if action in ("list", "show"):
        return Reply(message=team_message(list_members(ctx.db, ctx.workspace_id), ctx.is_admin))
    if action not in ("add", "remove"):
        return Reply.error(
            f"There is no /warroom team {action}. Use `/warroom team`, "
            "`/warroom team add marketing|operations @user [approver]` or "
            "`/warroom team remove @user`."
        )
    if not ctx.is_admin:
        return _not_admin()
    if action == "remove":
        return _remove(words, ctx)
    return _add(words, ctx)


def _remove(words: list[str], ctx: Context) -> Reply:
    user = parse_user(words[1]) if len(words) > 1 else None
    if user is None:
        return Reply.error("Say who to remove: `/warroom team remove @user`.")
    if not remove_member(ctx.db, ctx.workspace_id, user):
        return Reply.error(f"{mention(user)} is not in marketing or operations.")
    return Reply.text(f"{mention(user)} is no longer in the war-room team.")


def _add(words: list[str], ctx: Context) -> Reply:
    if len(words) < 3:
        return Reply.error("Use `/warroom team add marketing|operations @user [approver]`.")
    user = parse_user(words[2])
    if user is None:
        return Reply.error(f'"{words[2]}" is not a person; mention them, e.g. @maria.')
    flags = {w.lower() for w in words[3:]}
    unknown = flags - {"approver", "admin"}
    if unknown:
        return Reply.error(f'Unknown option "{sorted(unknown)[0]}"; use approver and/or admin.')
    try:
        added = add_member(
            ctx.db,
            ctx.workspace_id,
            user,
            words[1],
            approver="approver" in flags,
            admin="admin" in flags,
            by=ctx.actor,
        )
    except TeamError as problem:
        return Reply.error(str(problem))
    roles = [r for r, on in (("approver", added.is_approver), ("admin", added.is_admin)) if on]
    suffix = f" ({', '.join(roles)})" if roles else ""
    return Reply.text(f"{mention(user)} is in {added.team}{suffix}.")


def digest_command(text: str, ctx: Context) -> Reply:
    """`/warroom digest preview` shows today's digest privately."""
    word = text.strip().lower() or "preview"
    if word != "preview":
        return Reply.error("Use `/warroom digest now` (post it) or `/warroom digest preview`.")
    _digest, message = digest_payload(ctx)
    return Reply(message=message)


def digest_refusal(ctx: Context) -> str | None:
    """Why the actor may not post the digest now, or None (team members and admins may)."""
    if member(ctx.db, ctx.workspace_id, ctx.actor or "") is None and not ctx.is_admin:
        return "Only war-room team members and admins can post the digest."
    return None


SUBCOMMANDS: dict[str, Callable[[str, Context], Reply]] = {
    "help": help_command,
    "settings": settings_command,
    "team": team_command,
    "digest": digest_command,
}


def wants_digest_now(text: str) -> bool:
    """True for `/warroom digest now` (posting, which the digest job does)."""
    return text.strip().lower().split() == ["digest", "now"]


def warroom_command(text: str, ctx: Context) -> Reply:
    """`/warroom <subcommand> ...`, dispatched through SUBCOMMANDS."""
    word, _, rest = text.strip().partition(" ")
    word = word.lower() or "help"
    handler = SUBCOMMANDS.get(word)
    if handler is None:
        close = difflib.get_close_matches(word, list(SUBCOMMANDS), n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        return Reply.error(
            f"There is no /warroom {word}.{hint} "
            f"Try: {', '.join(f'/warroom {w}' for w in SUBCOMMANDS)}."
        )
    try:
        return handler(rest.strip(), ctx)
    except SettingsError as problem:
        return Reply.error(str(problem))
