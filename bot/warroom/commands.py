"""`/warroom settings`, `/warroom team` and `/warroom digest`: the war room's command core.

Each is a `(text, invocation, slack_admin=False) -> Reply` function, listed in
bot.commands.WARROOM_SUBCOMMANDS; the Slack handler passes `slack_admin` after asking Slack
(users.info) whether the person is a workspace admin or owner.
"""

from __future__ import annotations

import re
from typing import Any

from bot.commands import Invocation, Reply
from bot.core.settings import SettingsError
from bot.warroom.team import TeamError, add_member, list_members, member, remove_member

ADMIN_SUBCOMMANDS = ("settings", "team")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")


def is_admin(invocation: Invocation, slack_admin: bool = False) -> bool:
    """Slack workspace admins and owners, bot admins (`warroom team add --admin`, the OAuth
    installer), and the local console may change settings and the team."""
    if invocation.surface == "console" or slack_admin:
        return True
    person = member(invocation.db, invocation.workspace_id, invocation.user_id or "")
    return bool(person and person.is_admin)


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


def settings_command(text: str, invocation: Invocation, slack_admin: bool = False) -> Reply:
    """Open the workspace settings form (admins)."""
    from bot.warroom.render import settings_modal

    if not is_admin(invocation, slack_admin):
        return _not_admin()
    if invocation.surface == "console":
        lines = [f"{name.upper()}={value}" for name, value in _current(invocation).items()]
        heading = "Workspace settings (change them in Slack with /warroom settings)"
        return Reply.text("\n".join([heading, *lines]))
    return Reply(modal=settings_modal(invocation.settings))


def _current(invocation: Invocation) -> dict[str, Any]:
    from bot.core.workspace import WORKSPACE_SETTINGS

    return {name: getattr(invocation.settings, name) for name in WORKSPACE_SETTINGS}


def save_workspace_settings(
    invocation: Invocation, changes: dict[str, Any], slack_admin: bool = False
) -> dict[str, Any]:
    """Store the changed settings and re-plan the schedule; raises SettingsError or
    PermissionError. Returns what actually changed."""
    from bot.core.workspace import save_settings

    if not is_admin(invocation, slack_admin):
        raise PermissionError("only admins can change the settings")
    current = _current(invocation)
    changed = {k: v for k, v in changes.items() if v is not None and current.get(k) != v}
    if changed:
        save_settings(
            invocation.db,
            invocation.services.settings,
            invocation.workspace_id,
            changed,
            invocation.user_id,
        )
        from jobs.scheduler import settings_changed

        settings_changed(invocation.workspace_id)
    return changed


def team_command(text: str, invocation: Invocation, slack_admin: bool = False) -> Reply:
    """`/warroom team`, `team add marketing|operations @user [approver]`, `team remove @user`."""
    from bot.warroom.render import team_message

    words = text.split()
    action = words[0].lower() if words else "list"
    admin = is_admin(invocation, slack_admin)
    db, workspace = invocation.db, invocation.workspace_id
    if action in ("list", "show"):
        return Reply(message=team_message(list_members(db, workspace), admin))
    if action not in ("add", "remove"):
        return Reply.error(
            f"There is no /warroom team {action}. Use `/warroom team`, "
            "`/warroom team add marketing|operations @user [approver]` or "
            "`/warroom team remove @user`."
        )
    if not admin:
        return _not_admin()
    if action == "remove":
        user = parse_user(words[1]) if len(words) > 1 else None
        if user is None:
            return Reply.error("Say who to remove: `/warroom team remove @user`.")
        if not remove_member(db, workspace, user):
            return Reply.error(f"<@{user}> is not in marketing or operations.")
        return Reply.text(f"<@{user}> is no longer in the war-room team.")
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
            db,
            workspace,
            user,
            words[1],
            approver="approver" in flags,
            admin="admin" in flags,
            by=invocation.user_id,
        )
    except TeamError as problem:
        return Reply.error(str(problem))
    roles = [r for r, on in (("approver", added.is_approver), ("admin", added.is_admin)) if on]
    suffix = f" ({', '.join(roles)})" if roles else ""
    return Reply.text(f"<@{user}> is in {added.team}{suffix}.")


def digest_command(text: str, invocation: Invocation, slack_admin: bool = False) -> Reply:
    """`/warroom digest now` posts today's digest (once); `/warroom digest preview` shows it."""
    from jobs.digest import digest_payload, send_digest

    word = text.strip().lower() or "preview"
    services = invocation.services
    if word == "preview":
        _digest, message, _settings = digest_payload(services, invocation.workspace_id)
        return Reply(message=message)
    if word != "now":
        return Reply.error("Use `/warroom digest now` (post it) or `/warroom digest preview`.")
    person = member(invocation.db, invocation.workspace_id, invocation.user_id or "")
    if person is None and not is_admin(invocation, slack_admin):
        return Reply.error("Only war-room team members and admins can post the digest.")
    outcome = send_digest(services, invocation.workspace_id, services.clock.now(), manual=True)
    return Reply.text(outcome.message)


def answer(text: str, invocation: Invocation, slack_admin: bool = False) -> Reply | None:
    """The answer to a war-room subcommand, or None when `text` is not one of them."""
    word, _, rest = text.strip().partition(" ")
    handler = {"settings": settings_command, "team": team_command, "digest": digest_command}.get(
        word.lower()
    )
    if handler is None:
        return None
    try:
        return handler(rest.strip(), invocation, slack_admin)
    except SettingsError as problem:
        return Reply.error(str(problem))
