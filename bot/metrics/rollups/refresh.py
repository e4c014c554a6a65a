"""Bringing the rollups up to date: the stale days only, or everything; and telling whether
they are fresh. A refresh deletes and re-inserts, in one transaction, the rollup rows facts
from the first stale day on can reach, then clears the stale mark."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Float, Integer, Select, delete, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core.clock import SYSTEM_CLOCK, Clock, naive_utc
from bot.core.db import Database
from bot.core.facts import ROLLUPS, data_range, mark_stale
from bot.core.settings import Settings
from bot.metrics.catalog import forget_catalog
from bot.metrics.rollups.selects import (
    LDP,
    LP,
    RC,
    RD,
    RP,
    RR,
    RW,
    Params,
    customer_days_select,
    daily_select,
    lead_parts_select,
    ltv_parts_select,
    retention_select,
    roi_parts_select,
)
from bot.models import Campaign, Channel, RollupCampaign, RollupChannel, RollupMeta, RollupState

log = logging.getLogger(__name__)

META = "metrics"


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did: "full", "incremental" or "none", from which day, how long."""

    mode: str
    from_day: date | None
    seconds: float
    data_through: date | None

    def __str__(self) -> str:
        if self.mode == "none":
            return "Rollups are up to date."
        scope = "all days" if self.from_day is None else f"days from {self.from_day}"
        through = f"; data through {self.data_through}" if self.data_through else ""
        return f"Rollups refreshed ({self.mode}, {scope}) in {self.seconds:.1f} s{through}."


def _copy(
    state: Connection,
    analytics: Connection,
    table: Any,
    query: Select[Any],
    same_database: bool,
) -> None:
    columns = [column.name for column in query.selected_columns]
    if same_database:
        state.execute(insert(table).from_select(columns, query))
        return
    # Another database: aggregate there, then bulk-write here (rows are already aggregated).
    # Imported here: pandas costs 0.3 s at start-up, and only this path and the window counts
    # need it.
    import pandas as pd

    from bot.core.bulk import insert_frame

    result = analytics.execute(query)
    integers = [name for name in columns if isinstance(table.c[name].type, Integer)]
    floats = [name for name in columns if isinstance(table.c[name].type, Float)]
    while chunk := result.fetchmany(100_000):
        frame = pd.DataFrame(chunk, columns=columns)
        # Nullable integer columns would otherwise come back as floats ("1.0"), and sums of
        # NUMERIC as Decimal, which SQLite cannot bind.
        frame[integers] = frame[integers].astype("Int64")
        frame[floats] = frame[floats].astype("float64")
        insert_frame(state, table, frame)


def _copy_catalog(state: Connection, analytics: Connection) -> None:
    channels = analytics.execute(
        select(Channel.key, Channel.name, Channel.kind).order_by(Channel.key)
    ).all()
    campaigns = analytics.execute(
        select(Campaign.id, Campaign.channel, Campaign.name).order_by(Campaign.id)
    ).all()
    state.execute(delete(RollupChannel))
    state.execute(delete(RollupCampaign))
    if channels:
        state.execute(insert(RollupChannel), [dict(row._mapping) for row in channels])
    if campaigns:
        state.execute(insert(RollupCampaign), [dict(row._mapping) for row in campaigns])


def _lock_state(state: Connection) -> RollupState | None:
    query = select(RollupState.__table__).where(RollupState.name == ROLLUPS)
    if state.dialect.name == "postgresql":
        # Two refreshes at once would both delete and insert the same days: serialise them.
        query = query.with_for_update()
    row = state.execute(query).first()
    if row is None:
        # The first refresh ever: two may start together, so the row is claimed race-free.
        dialect_insert = pg_insert if state.dialect.name == "postgresql" else sqlite_insert
        state.execute(
            dialect_insert(RollupState)
            .values(name=ROLLUPS, stale=True)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        row = state.execute(query).first()
    return row  # type: ignore[return-value]


def refresh(
    settings: Settings,
    db: Database,
    clock: Clock = SYSTEM_CLOCK,
    full: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Bring the rollups up to date: the stale days only, everything when `full` or when the
    metric parameters changed since the last build."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    params = Params.of(settings)
    same = db.analytics is db.state
    with db.write() as session:
        state = session.connection()
        mark = _lock_state(state)
        meta_row = state.execute(
            select(RollupMeta.__table__).where(RollupMeta.name == META)
        ).first()
        meta = RollupMeta(**meta_row._mapping) if meta_row is not None else None
        stale, stale_from = bool(mark.stale), mark.stale_from  # type: ignore[union-attr]
        rebuild = full or not params.matches(meta) or (stale and stale_from is None)
        if not rebuild and not stale:
            return RefreshReport("none", None, time.perf_counter() - started, _through(meta))
        analytics = state if same else db.analytics.connect()
        try:
            first_day, data_through = data_range(analytics)
            # Facts replaced from their first day on (demo-data --replace), or a first day
            # that moved, leave nothing worth keeping: rebuild everything.
            moved = meta is None or meta.first_day != first_day
            if moved or (stale_from is not None and first_day and stale_from <= first_day):
                rebuild = True
            lo = None if rebuild else stale_from
            _rebuild(state, analytics, params, lo, same, say, (first_day, data_through))
            values = {
                "ltv_horizon_days": params.horizon,
                "roi_window_days": params.roi_window,
                "lead_window_days": params.lead_window,
                "first_day": first_day,
                "data_through": data_through,
                "built_at": naive_utc(clock.now()),
            }
            state.execute(delete(RollupMeta).where(RollupMeta.name == META))
            state.execute(insert(RollupMeta).values(name=META, **values))
            # Clear the mark only if no import widened it while we worked (PostgreSQL lets
            # imports commit meanwhile; they will be picked up by the next refresh).
            state.execute(
                RollupState.__table__.update()
                .where(RollupState.name == ROLLUPS)
                .where(_same_mark(mark))
                .values(
                    stale=False, stale_from=None, stale_to=None, refreshed_at=values["built_at"]
                )
            )
        finally:
            if not same:
                analytics.close()
    # The channel and campaign lists the parser matches words against may have changed.
    forget_catalog(db.analytics)
    seconds = time.perf_counter() - started
    report = RefreshReport("full" if lo is None else "incremental", lo, seconds, data_through)
    log.info("%s", report)
    return report


def _same_mark(mark: Any) -> Any:
    table = RollupState.__table__
    if mark.marked_at is None:
        return table.c.marked_at.is_(None)
    return table.c.marked_at == mark.marked_at


def _through(meta: RollupMeta | None) -> date | None:
    return meta.data_through if meta is not None else None


def _rebuild(
    state: Connection,
    analytics: Connection,
    params: Params,
    lo: date | None,
    same: bool,
    say: Callable[[str], None],
    days: tuple[date | None, date | None],
) -> None:
    """Replace every rollup row that facts from day lo on can reach (everything when lo is
    None): rows keyed by a fact day from lo, then the cohort sums of rollup_daily over the
    windows before lo and the repeat-rate windows ending from lo (`days`: the data's first
    and last day)."""
    dialect = analytics.dialect.name
    say("copying channels and campaigns")
    _copy_catalog(state, analytics)
    steps = (
        ("cohort revenue (LTV)", LP, LP.c.order_day, ltv_parts_select(dialect, params, lo)),
        ("cohort revenue (ROI)", RP, RP.c.order_day, roi_parts_select(dialect, params, lo)),
        (
            "lead conversions",
            LDP,
            or_(LDP.c.lead_day >= lo, LDP.c.first_day >= lo) if lo else None,
            lead_parts_select(dialect, params, lo),
        ),
        ("retention", RR, RR.c.active_day, retention_select(dialect, lo)),
        ("customer days", RC, RC.c.day, customer_days_select(dialect, lo)),
        ("daily measures", RD, RD.c.day, daily_select(dialect, lo)),
    )
    for label, table, anchor, query in steps:
        say(f"rebuilding {label}" + (f" from {lo}" if lo else ""))
        if lo is None:
            state.execute(delete(table))
        elif isinstance(anchor, Column):
            state.execute(delete(table).where(anchor >= lo))
        else:
            state.execute(delete(table).where(anchor))
        _copy(state, analytics, table, query, same)
    say("summing cohort measures")
    sums = (
        ("ltv_revenue", LP, LP.c.first_day, LP.c.revenue, params.horizon),
        ("roi_revenue", RP, RP.c.signup_day, RP.c.revenue, params.roi_window),
        ("converted_leads", LDP, LDP.c.lead_day, LDP.c.converted, params.lead_window),
    )
    for column, table, anchor, value, window in sums:
        total = (
            select(func.sum(value))
            .where(
                anchor == RD.c.day,
                table.c.channel == RD.c.channel,
                table.c.campaign_id == RD.c.campaign_id,
            )
            .scalar_subquery()
        )
        update = RD.update().values({column: func.coalesce(total, 0)})
        if lo is not None:
            # Facts from lo on reach cohorts anchored up to `window` days earlier.
            update = update.where(RD.c.day >= lo - timedelta(days=window))
        state.execute(update)
    say("counting repeat customers per window" + (f" from {lo}" if lo else ""))
    # Imported here: the window counts need numpy and pandas (0.3 s), which an answer that
    # only reads the rollups should not pay for at start-up.
    from bot.metrics.rollups.windows import repeat_windows

    repeat_windows(state, lo, *days)
    if lo is None:
        for table in (LP, RP, LDP, RR, RC, RD, RW):
            # Fresh planner statistics after a full rebuild, so answers use the indexes.
            state.exec_driver_sql(f"ANALYZE {table.name}")


def notice_new_fact_days(
    db: Database,
    built_first: date | None,
    built_through: date | None,
    clock: Clock = SYSTEM_CLOCK,
    analytics: Connection | None = None,
) -> bool:
    """Mark the rollups stale when the facts now reach past the days they were built from
    (`built_first`..`built_through`, as `freshness` read them); True when they were marked.

    Imports mark their own days; this catches rows appended to the facts directly (a team's
    own warehouse behind ANALYTICS_DATABASE_URL) with a few min/max index lookups, on
    `analytics` when the caller already has a connection to the facts. Rows written inside
    the built range that way wait for the hourly refresh or `warroom rollups`.
    """
    if built_first is None or built_through is None:
        return False
    if analytics is None:
        with db.analytics.connect() as own:
            first_day, data_through = data_range(own)
    else:
        first_day, data_through = data_range(analytics)
    if first_day is None or data_through is None:
        return False
    if first_day >= built_first and data_through <= built_through:
        return False
    # The last built day itself may have gained rows too, so it is marked with the new ones.
    start = min(first_day, built_through)
    with db.write() as session:
        mark_stale(session, start, max(data_through, built_through), clock.now())
    return True


def freshness(connection: Connection, settings: Settings) -> tuple[bool, date | None, date | None]:
    """(needs a refresh?, first day of data, last day of data) in one read of the state store."""
    stale = connection.execute(select(RollupState.stale).where(RollupState.name == ROLLUPS)).first()
    meta = connection.execute(
        select(
            RollupMeta.ltv_horizon_days,
            RollupMeta.roi_window_days,
            RollupMeta.lead_window_days,
            RollupMeta.first_day,
            RollupMeta.data_through,
        ).where(RollupMeta.name == META)
    ).first()
    if stale is None or meta is None:
        return True, None, None
    params = Params.of(settings)
    matches = tuple(meta[:3]) == (params.horizon, params.roi_window, params.lead_window)
    return bool(stale.stale) or not matches, meta.first_day, meta.data_through
