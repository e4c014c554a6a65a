"""Team membership: who is in marketing and who in operations, who approves and who administers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from bot.core.db import Database
from bot.core.i18n import Msg
from bot.core.workspace import ensure_workspace
from bot.models import TEAMS, TeamMember


class TeamError(ValueError):
    """A membership change that cannot be made; the message says what to change."""


@dataclass(frozen=True)
class Member:
    """One person's place in the growth team."""

    user_id: str
    team: str
    is_approver: bool
    is_admin: bool


def _member(row: TeamMember) -> Member:
    return Member(row.user_id, row.team, bool(row.is_approver), bool(row.is_admin))


def check_team(team: str) -> str:
    """The team name normalised ("Marketing" -> "marketing"); TeamError for anything else."""
    name = team.strip().lower()
    aliases = {"mkt": "marketing", "ops": "operations", "operation": "operations"}
    name = aliases.get(name, name)
    if name not in TEAMS:
        raise TeamError(Msg('unknown team "{team}"; use marketing or operations', team=team))
    return name


def add_member(
    db: Database,
    workspace_id: str,
    user_id: str,
    team: str,
    *,
    approver: bool = False,
    admin: bool = False,
    by: str | None = None,
) -> Member:
    """Put `user_id` in `team` (moving them if they were in the other one)."""
    team = check_team(team)
    if not user_id.strip():
        raise TeamError(Msg("a user id is needed, e.g. U012ABCDEF"))
    ensure_workspace(db, workspace_id)
    with db.session() as session, session.begin():
        row = session.get(TeamMember, (workspace_id, user_id))
        if row is None:
            row = TeamMember(workspace_id=workspace_id, user_id=user_id, added_by=by)
            session.add(row)
        row.team = team
        row.is_approver = approver
        row.is_admin = admin or bool(row.is_admin)
        session.flush()
        return _member(row)


def remove_member(db: Database, workspace_id: str, user_id: str) -> bool:
    """Take `user_id` out of the growth team; False when they were not in it."""
    with db.session() as session, session.begin():
        result = session.execute(
            delete(TeamMember)
            .where(TeamMember.workspace_id == workspace_id, TeamMember.user_id == user_id)
            .returning(TeamMember.user_id)
        )
        return result.first() is not None


def member(db: Database, workspace_id: str, user_id: str) -> Member | None:
    """The member `user_id`, or None when they are in neither team."""
    with db.session() as session:
        row = session.get(TeamMember, (workspace_id, user_id))
        return _member(row) if row else None


def list_members(db: Database, workspace_id: str, team: str | None = None) -> list[Member]:
    """Every member of the workspace (or of one team), marketing first, then by user id."""
    statement = select(TeamMember).where(TeamMember.workspace_id == workspace_id)
    if team:
        statement = statement.where(TeamMember.team == check_team(team))
    with db.session() as session:
        rows = session.scalars(statement.order_by(TeamMember.team, TeamMember.user_id)).all()
        return [_member(row) for row in rows]
