"""`/warroom help`, `settings`, `team` and `digest preview`: the war room's command answers.

Posting the digest (`/warroom digest now`) is the digest job's work (jobs/digest.py); the
command table sends it there, and asks `digest_refusal` here who may do it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from bot.core import blocks as kit
from bot.core.blocks import mention
from bot.core.context import Context
from bot.core.i18n import N_, Msg
from bot.core.render import Reply
from bot.core.settings import SettingsError
from bot.core.workspace import WORKSPACE_SETTINGS, save_settings
from bot.warroom.compose import digest_payload
from bot.warroom.forms import role_words, settings_modal, team_message
from bot.warroom.home import home_view
from bot.warroom.render import HOME_TITLE, standup_prompt_message
from bot.warroom.standup import standup_date
from bot.warroom.team import TeamError, add_member, list_members, member, remove_member

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")

HELP = N_("""\
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
`/warroom standup` – today's stand-up prompt: post your update
`/warroom home` – your Home tab as a message: numbers, alerts, proposals waiting for you
`/warroom digest now` – post today's digest now

*Goals and the journey*
`/okr` – this quarter's OKRs on live metrics · `/okr new` – set one
`/journey channel=tiktok` – every touchpoint, its owner and the biggest drop
`/northstar` – LTV/CAC, lead conversion, cost per converted lead, lead response time

*Innovation fund*
`/fund propose` · `/fund list` · `/fund budget 2027 12000000` (admins)""")


def parse_user(word: str) -> str | None:
    """A Slack user id from "<@U123|name>", "<@U123>", "@U123" or "U123"; None otherwise."""
    match = _USER.match(word.strip())
    if not match:
        return None
    return match.group(1) or match.group(2)


def _not_admin(ctx: Context) -> Reply:
    return Reply.error(
        ctx.words._(
            "Only admins can do that: Slack workspace admins and owners, and people an admin "
            "added with `warroom team add ... --admin`."
        )
    )


def help_command(text: str, ctx: Context) -> Reply:
    """The list of commands with examples."""
    return Reply.text(ctx.words._(HELP))


def settings_command(text: str, ctx: Context) -> Reply:
    """Open the workspace settings form (admins); the console fills it in field by field."""
    if not ctx.is_admin:
        return _not_admin(ctx)
    return Reply(modal=settings_modal(ctx.settings, ctx.lang))


def current_settings(ctx: Context) -> dict[str, Any]:
    """The values of the settings a workspace may change from Slack."""
    return {name: getattr(ctx.settings, name) for name in WORKSPACE_SETTINGS}


def save_workspace_settings(ctx: Context, changes: dict[str, Any]) -> dict[str, Any]:
    """Store the changed settings (admins); returns what actually changed. Raises
    SettingsError naming a bad value, or PermissionError."""
    if not ctx.is_admin:
        raise PermissionError(Msg("Only admins can change settings."))
    current = current_settings(ctx)
    changed = {k: v for k, v in changes.items() if v is not None and current.get(k) != v}
    if changed:
        save_settings(ctx.db, ctx.env, ctx.workspace_id, changed)
    return changed


def team_command(text: str, ctx: Context) -> Reply:
    """`/warroom team`, `team add marketing|operations @user [approver]`, `team remove @user`."""
    words = text.split()
    action = words[0].lower() if words else "list"
    t = ctx.words
    if action in ("list", "show"):
        members = list_members(ctx.db, ctx.workspace_id)
        return Reply(message=team_message(members, ctx.is_admin, ctx.lang))
    if action not in ("add", "remove"):
        return Reply.error(
            t._(
                "There is no /warroom team {action}. Use `/warroom team`, "
                "`/warroom team add marketing|operations @user [approver]` or "
                "`/warroom team remove @user`.",
                action=action,
            )
        )
    if not ctx.is_admin:
        return _not_admin(ctx)
    if action == "remove":
        return _remove(words, ctx)
    return _add(words, ctx)


def _remove(words: list[str], ctx: Context) -> Reply:
    t = ctx.words
    user = parse_user(words[1]) if len(words) > 1 else None
    if user is None:
        return Reply.error(t._("Say who to remove: `/warroom team remove @user`."))
    if not remove_member(ctx.db, ctx.workspace_id, user):
        return Reply.error(t._("{person} is not in marketing or operations.", person=mention(user)))
    return Reply.text(t._("{person} is no longer in the war-room team.", person=mention(user)))


def _add(words: list[str], ctx: Context) -> Reply:
    t = ctx.words
    if len(words) < 3:
        return Reply.error(t._("Use `/warroom team add marketing|operations @user [approver]`."))
    user = parse_user(words[2])
    if user is None:
        return Reply.error(
            t._('"{word}" is not a person; mention them, e.g. @maria.', word=words[2])
        )
    flags = {w.lower() for w in words[3:]}
    unknown = flags - {"approver", "admin"}
    if unknown:
        return Reply.error(
            t._(
                'Unknown option "{option}"; use approver and/or admin.',
                option=sorted(unknown)[0],
            )
        )
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
        return Reply.error(t.say(problem))
    roles = role_words(added.is_approver, added.is_admin, ctx.lang)
    suffix = f" ({', '.join(roles)})" if roles else ""
    team = t._(added.team)
    return Reply.text(
        t._("{person} is in {team}{roles}.", person=mention(user), team=team, roles=suffix)
    )


def digest_command(text: str, ctx: Context) -> Reply:
    """`/warroom digest preview` shows today's digest privately."""
    word = text.strip().lower() or "preview"
    if word != "preview":
        return Reply.error(
            ctx.words._("Use `/warroom digest now` (post it) or `/warroom digest preview`.")
        )
    _digest, message = digest_payload(ctx)
    return Reply(message=message)


def digest_refusal(ctx: Context) -> str | None:
    """Why the actor may not post the digest now, or None (team members and admins may)."""
    if member(ctx.db, ctx.workspace_id, ctx.actor or "") is None and not ctx.is_admin:
        return ctx.words._("Only war-room team members and admins can post the digest.")
    return None


def standup_command(text: str, ctx: Context) -> Reply:
    """`/warroom standup`: today's stand-up prompt with its button, for whoever missed it (and
    for the console, where the morning post does not arrive)."""
    return Reply(message=standup_prompt_message(standup_date(ctx), ctx.settings, ctx.lang))


def home_command(text: str, ctx: Context) -> Reply:
    """`/warroom home`: your Home tab as a private message (where there is no Home tab, as at
    the console): the numbers, the open alerts, the proposals waiting for you."""
    view = home_view(ctx)
    blocks = view["blocks"][: kit.MAX_MESSAGE_BLOCKS]
    return Reply(message={"blocks": blocks, "text": ctx.words._(HOME_TITLE)})


SUBCOMMANDS: dict[str, Callable[[str, Context], Reply]] = {
    "help": help_command,
    "settings": settings_command,
    "team": team_command,
    "digest": digest_command,
    "standup": standup_command,
    "home": home_command,
}


def wants_digest_now(text: str) -> bool:
    """True for `/warroom digest now` (posting, which the digest job does)."""
    return text.strip().lower().split() == ["digest", "now"]


def warroom_command(text: str, ctx: Context) -> Reply:
    """`/warroom <subcommand> ...`, dispatched through SUBCOMMANDS."""
    word, _, rest = text.strip().partition(" ")
    word = word.lower() or "help"
    handler = SUBCOMMANDS.get(word)
    t = ctx.words
    if handler is None:
        close = difflib.get_close_matches(word, list(SUBCOMMANDS), n=1)
        hint = t._(' Did you mean "{close}"?', close=close[0]) if close else ""
        return Reply.error(
            t._(
                "There is no /warroom {word}.{hint} Try: {commands}.",
                word=word,
                hint=hint,
                commands=", ".join(f"/warroom {w}" for w in SUBCOMMANDS),
            )
        )
    try:
        return handler(rest.strip(), ctx)
    except SettingsError as problem:
        return Reply.error(t.say(problem))
