"""Workspaces: which id a workspace's state is stored under, and its settings changed in Slack.

Settings saved in Slack (the /warroom settings modal) are stored per workspace and win over
the environment; `effective_settings` is the one place that applies them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.core.db import Database
from bot.core.settings import Settings, SettingsError, load_settings
from bot.models import TeamMember, Workspace

# In single-workspace mode (one bot token) and in the console every request shares one store,
# so the CLI and Slack see the same fund, teams and settings whatever the team id says.
SINGLE_WORKSPACE = "default"

# The settings a workspace may change from Slack; everything else comes from the environment.
WORKSPACE_SETTINGS = (
    "digest_channel",
    "digest_time",
    "digest_weekdays_only",
    "standup_time",
    "standup_mode",
    "timezone",
    "currency",
    "language",
    "fund_channel",
    "fund_approval",
    "alert_ltv_cac_min",
    "alert_retention_drop_days",
    "alert_roi_weeks",
    "alert_surge_factor",
    "journey_drop_min",
)


def workspace_key(settings: Settings, team_id: str | None) -> str:
    """The id a workspace's state is stored under: the team id with OAuth, else one shared id."""
    if settings.slack_mode == "oauth" and team_id:
        return team_id
    return SINGLE_WORKSPACE


def is_bot_admin(db: Database, workspace_id: str, user_id: str) -> bool:
    """True when `user_id` was made a bot admin of the workspace (`warroom team add --admin`)."""
    with db.session() as session:
        row = session.get(TeamMember, (workspace_id, user_id))
        return bool(row and row.is_admin)


def ensure_workspace(db: Database, workspace_id: str, name: str | None = None) -> None:
    """Create the workspace row when it does not exist yet."""
    with db.session() as session, session.begin():
        if session.get(Workspace, workspace_id) is None:
            session.add(Workspace(id=workspace_id, name=name, settings={}))


def saved_settings(db: Database, workspace_id: str) -> dict[str, Any]:
    """The settings a workspace saved in Slack (empty when none)."""
    with db.session() as session:
        stored = session.scalar(select(Workspace.settings).where(Workspace.id == workspace_id))
    return dict(stored or {})


def effective_settings(db: Database, settings: Settings, workspace_id: str) -> Settings:
    """The environment's settings with the workspace's saved values applied on top."""
    saved = {k: v for k, v in saved_settings(db, workspace_id).items() if k in WORKSPACE_SETTINGS}
    if not saved:
        return settings
    try:
        # Validate through the one Settings model so a saved value obeys the same rules.
        merged = load_settings(_env_file=None, **{**_env_values(settings), **saved})
    except SettingsError:
        return settings
    return merged


def save_settings(
    db: Database, settings: Settings, workspace_id: str, changes: dict[str, Any]
) -> Settings:
    """Validate and store `changes` for the workspace; raises SettingsError naming a bad value."""
    unknown = sorted(set(changes) - set(WORKSPACE_SETTINGS))
    if unknown:
        raise SettingsError(f"Bad setting {unknown[0].upper()}: it cannot be changed from Slack")
    current = saved_settings(db, workspace_id)
    merged = load_settings(_env_file=None, **{**_env_values(settings), **current, **changes})
    stored = {**current, **{k: getattr(merged, k) for k in changes}}
    with db.session() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        if workspace is None:
            session.add(Workspace(id=workspace_id, settings=stored))
        else:
            workspace.settings = stored
    return merged


def _env_values(settings: Settings) -> dict[str, Any]:
    return settings.model_dump()
