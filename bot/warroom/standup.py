"""Stand-up updates: one per person per day, editable until that day's digest goes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, insert, select

from bot.core import runs
from bot.core.clock import naive_utc
from bot.core.context import Context
from bot.core.db import Database
from bot.core.i18n import N_, Msg
from bot.core.text import clean_text
from bot.models import Campaign, StandupUpdate
from bot.warroom.team import Member, list_members, member

# What operations reports as ready for incoming traffic (key, label).
RESOURCES: tuple[tuple[str, str], ...] = (
    ("coupons", N_("Coupons")),
    ("landing_pages", N_("Landing pages")),
    ("support", N_("Support staffing")),
    ("stock", N_("Stock")),
)
RESOURCE_LABELS = dict(RESOURCES)
MAX_TEXT = 2000
MAX_CAMPAIGN_OPTIONS = 100


class StandupError(ValueError):
    """An update that cannot be saved; the message says what to change."""


@dataclass(frozen=True)
class Update:
    """One person's stand-up update for one day."""

    user_id: str
    team: str
    date: date
    campaign_id: str | None = None
    shipped: str | None = None
    next_steps: str | None = None
    resources_ready: tuple[str, ...] = ()
    resources_note: str | None = None
    blockers: str | None = None
    campaign_name: str | None = None

    @property
    def resources_missing(self) -> tuple[str, ...]:
        """The resources not reported ready."""
        return tuple(key for key, _ in RESOURCES if key not in self.resources_ready)


@dataclass(frozen=True)
class CampaignChoice:
    """A campaign offered in the stand-up form."""

    id: str
    label: str
    active: bool


@dataclass
class StandupDay:
    """Who posted for a day and who has not, by team."""

    date: date
    updates: list[Update] = field(default_factory=list)
    missing: list[Member] = field(default_factory=list)

    def by_team(self, team: str) -> list[Update]:
        """The updates of one team."""
        return [u for u in self.updates if u.team == team]

    def missing_in(self, team: str) -> list[Member]:
        """The members of one team without an update."""
        return [m for m in self.missing if m.team == team]


def standup_date(ctx: Context) -> date:
    """The day a stand-up update posted now belongs to (today in the workspace time zone)."""
    return ctx.clock.today(ctx.settings.tz)


def campaign_choices(
    db: Database, today: date, limit: int = MAX_CAMPAIGN_OPTIONS
) -> list[CampaignChoice]:
    """Campaigns for the form: running ones first, then the most recent; at most `limit`."""
    running = (
        (Campaign.start_date <= today)
        & ((Campaign.end_date.is_(None)) | (Campaign.end_date >= today))
        & ((Campaign.status.is_(None)) | (Campaign.status.notin_(("ended", "paused", "draft"))))
    )
    statement = (
        select(Campaign.id, Campaign.name, Campaign.channel, case((running, 1), else_=0))
        .order_by(case((running, 0), else_=1), Campaign.start_date.desc(), Campaign.id)
        .limit(limit)
    )
    with db.analytics.connect() as connection:
        rows = connection.execute(statement).all()
    return [CampaignChoice(row[0], f"{row[1]} ({row[2]})", bool(row[3])) for row in rows]


def _clean(value: str | None, label: str) -> str | None:
    if value is None:
        return None
    value = clean_text(value).strip()
    if len(value) > MAX_TEXT:
        raise StandupError(
            Msg(
                "{label} is {length} characters; keep it under {limit}.",
                label=Msg(label),
                length=len(value),
                limit=MAX_TEXT,
            )
        )
    return value or None


def _team_member(db: Database, workspace_id: str, user_id: str) -> Member:
    """The person posting an update; StandupError when they are in neither team."""
    person = member(db, workspace_id, user_id)
    if person is None:
        raise StandupError(
            Msg(
                "You are not in marketing or operations yet; ask an admin to add you "
                "with `/warroom team add marketing @you`."
            )
        )
    return person


def save_update(
    ctx: Context,
    day: date,
    *,
    campaign_id: str | None = None,
    shipped: str | None = None,
    next_steps: str | None = None,
    resources_ready: list[str] | tuple[str, ...] = (),
    resources_note: str | None = None,
    blockers: str | None = None,
) -> Update:
    """Save (or replace) the actor's update for `day`; StandupError says what is wrong."""
    db, workspace_id, user_id = ctx.db, ctx.workspace_id, ctx.actor or ""
    person = _team_member(db, workspace_id, user_id)
    if runs.is_posted(db, workspace_id, "digest", day):
        raise StandupError(
            Msg(
                "The digest for {day} has gone out; that day's update can no longer be changed.",
                day=day,
            )
        )
    campaign_id = _clean(campaign_id, N_("Campaign"))
    resources_ready = [clean_text(key) for key in resources_ready]
    shipped = _clean(shipped, N_("What shipped"))
    next_steps = _clean(next_steps, N_("What's next"))
    resources_note = _clean(resources_note, N_("Resources note"))
    blockers = _clean(blockers, N_("Blockers"))
    unknown = [key for key in resources_ready if key not in RESOURCE_LABELS]
    if unknown:
        raise StandupError(
            Msg(
                'unknown resource "{resource}"; use {resources}',
                resource=unknown[0],
                resources=", ".join(RESOURCE_LABELS),
            )
        )
    if campaign_id:
        with db.analytics.connect() as connection:
            known = connection.execute(select(Campaign.id).where(Campaign.id == campaign_id))
            if known.first() is None:
                raise StandupError(
                    Msg(
                        'there is no campaign "{campaign}"; pick one from the list.',
                        campaign=campaign_id,
                    )
                )
    if person.team == "marketing":
        if not (campaign_id or shipped or next_steps or blockers):
            raise StandupError(
                Msg("Say which campaign you worked on, what shipped or what's next.")
            )
        resources: dict[str, Any] = {}
    else:
        campaign_id = None
        resources = {"ready": [k for k, _ in RESOURCES if k in resources_ready]}
        if resources_note:
            resources["note"] = resources_note
    values = {
        "team": person.team,
        "campaign_id": campaign_id,
        "shipped": shipped if person.team == "marketing" else None,
        "next_steps": next_steps if person.team == "marketing" else None,
        "resources": resources,
        "blockers": blockers,
    }
    values["updated_at"] = naive_utc(ctx.clock.now())
    statement = _upsert(db.state.dialect.name).values(
        workspace_id=workspace_id, user_id=user_id, date=day, **values
    )
    with db.state.begin() as connection:
        connection.execute(statement)
    saved = get_update(db, workspace_id, user_id, day)
    assert saved is not None
    return saved


def _upsert(dialect: str) -> Any:
    keys = ["workspace_id", "user_id", "date"]
    columns = ("team", "campaign_id", "shipped", "next_steps", "resources", "blockers")
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        statement = dialect_insert(StandupUpdate)
        return statement.on_conflict_do_update(
            index_elements=keys,
            set_={
                **{name: statement.excluded[name] for name in columns},
                "updated_at": statement.excluded.updated_at,
            },
        )
    return insert(StandupUpdate)


def _update(row: StandupUpdate, names: dict[str, str]) -> Update:
    resources = row.resources or {}
    return Update(
        user_id=row.user_id,
        team=row.team,
        date=row.date,
        campaign_id=row.campaign_id,
        shipped=row.shipped,
        next_steps=row.next_steps,
        resources_ready=tuple(resources.get("ready") or ()),
        resources_note=resources.get("note"),
        blockers=row.blockers,
        campaign_name=names.get(row.campaign_id or ""),
    )


def _campaign_names(db: Database, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    with db.analytics.connect() as connection:
        rows = connection.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(ids)))
        return {row[0]: row[1] for row in rows}


def get_update(db: Database, workspace_id: str, user_id: str, day: date) -> Update | None:
    """`user_id`'s update for `day`, or None."""
    with db.session() as session:
        row = session.scalar(
            select(StandupUpdate).where(
                StandupUpdate.workspace_id == workspace_id,
                StandupUpdate.user_id == user_id,
                StandupUpdate.date == day,
            )
        )
        if row is None:
            return None
        return _update(row, _campaign_names(db, {row.campaign_id} if row.campaign_id else set()))


def standup_day(db: Database, workspace_id: str, day: date) -> StandupDay:
    """Every update of `day` (marketing first, then by user) and the members who have not posted."""
    with db.session() as session:
        rows = session.scalars(
            select(StandupUpdate)
            .where(StandupUpdate.workspace_id == workspace_id, StandupUpdate.date == day)
            .order_by(StandupUpdate.team, StandupUpdate.user_id)
        ).all()
    names = _campaign_names(db, {r.campaign_id for r in rows if r.campaign_id})
    updates = [_update(row, names) for row in rows]
    posted = {u.user_id for u in updates}
    missing = [m for m in list_members(db, workspace_id) if m.user_id not in posted]
    return StandupDay(day, updates, missing)


def form_for(ctx: Context, day: date) -> tuple[Member, list[CampaignChoice], Update | None]:
    """What the stand-up form needs: the actor, the campaigns and their saved update.
    StandupError when they cannot post (not in a team, or the digest went out)."""
    db, workspace_id, user_id = ctx.db, ctx.workspace_id, ctx.actor or ""
    person = _team_member(db, workspace_id, user_id)
    if runs.is_posted(db, workspace_id, "digest", day):
        raise StandupError(
            Msg("The digest for {day} has gone out; post tomorrow's update tomorrow.", day=day)
        )
    campaigns = campaign_choices(db, day) if person.team == "marketing" else []
    return person, campaigns, get_update(db, workspace_id, user_id, day)
