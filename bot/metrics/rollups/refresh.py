"""Bringing the rollups up to date: the stale days only, or everything; and telling whether
they are fresh. A refresh deletes and re-inserts, in one transaction, the rollup rows facts
from the first stale day on can reach, then clears the stale mark."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core.clock import SYSTEM_CLOCK, Clock, naive_utc
from bot.core.db import Database
from bot.core.facts import ROLLUPS, data_range, mark_stale
from bot.core.settings import Settings
from bot.core.warehouse import family_of
from bot.metrics.catalog import forget_catalog
from bot.metrics.rollups.selects import (
    LDP,
    LP,
    RC,
    RD,
    RLR,
    RP,
    RR,
    RW,
    Params,
    customer_days_select,
    daily_select,
    lead_parts_select,
    lead_response_select,
    ltv_parts_select,
    retention_select,
    roi_parts_select,
)
from bot.models import Campaign, Channel, RollupCampaign, RollupChannel, RollupMeta, RollupState

log = logging.getLogger(__name__)

META = "metrics"
# How long the facts' days read from a warehouse without indexes are trusted.
FACT_DAYS_SECONDS = 60.0
_fact_days: weakref.WeakKeyDictionary[Engine, tuple[float, tuple[date | None, date | None]]] = (
    weakref.WeakKeyDictionary()
)
_fact_days_lock = threading.Lock()
# The rollup tables rebuilt from rows of the facts, and the page cache SQLite gets meanwhile.
_ROW_TABLES = (LP, RP, LDP, RR, RC, RLR)
_SQLITE_CACHE_KIB = 262_144


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


# The cohort measures of rollup_daily, each summed from its parts table: (column, parts,
# the parts' cohort day, their value, how many days after the cohort day parts reach).
def _cohort_sums(params: Params) -> tuple[tuple[str, Any, Any, Any, int], ...]:
    return (
        ("ltv_revenue", LP, LP.c.first_day, LP.c.revenue, params.horizon),
        ("roi_revenue", RP, RP.c.signup_day, RP.c.revenue, params.roi_window),
        ("converted_leads", LDP, LDP.c.lead_day, LDP.c.converted, params.lead_window),
    )


def _replaced_parts(table: Any, lo: date) -> Any:
    """The parts rows a refresh from lo replaces: those facts from lo on can reach."""
    if table is LDP:
        return or_(LDP.c.lead_day >= lo, LDP.c.first_day >= lo)
    return table.c.order_day >= lo


def _add_cohort_sums(state: Connection, params: Params, lo: date | None, sign: int) -> None:
    """Add (sign 1) or take away (sign -1) the parts' sums to rollup_daily's cohort measures:
    all of them when lo is None, else only the parts a refresh from lo replaces, so a new day
    costs the parts of that day, not every cohort's history."""
    for column, table, anchor, value, window in _cohort_sums(params):
        where = [anchor == RD.c.day, table.c.channel == RD.c.channel]
        where.append(table.c.campaign_id == RD.c.campaign_id)
        if lo is not None:
            where.append(_replaced_parts(table, lo))
        total = func.coalesce(select(func.sum(value)).where(*where).scalar_subquery(), 0)
        if lo is None:
            state.execute(RD.update().values({column: total}))
            continue
        # Facts from lo on reach cohorts anchored up to `window` days earlier; rows from lo
        # on were just rebuilt with no cohort measures yet (and are not taken from).
        update = RD.update().where(RD.c.day >= lo - timedelta(days=window))
        if sign < 0:
            update = update.where(RD.c.day < lo)
        state.execute(update.values({column: RD.c[column] + sign * total}))


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
    and last day). Every aggregate is computed where the facts are."""
    # Imported here: moving rows and counting windows need pyarrow, numpy and pandas (0.4 s
    # at start-up), which an answer that only reads the rollups should not pay for.
    from bot.metrics.rollups import transfer

    say("copying channels and campaigns")
    _copy_catalog(state, analytics)
    if lo is not None:
        _add_cohort_sums(state, params, lo, -1)
    with _bulk_writing(state, full=lo is None):
        _replace_rows(state, analytics, params, lo, say, partial(transfer.copy_rows, same=same))
    say("summing cohort measures")
    _add_cohort_sums(state, params, lo, 1)
    say("counting repeat customers per window" + (f" from {lo}" if lo else ""))
    transfer.count_windows(state, analytics, lo, days, same)
    if lo is None:
        if state.dialect.name == "sqlite":
            # Statistics from a sample of each index: enough for the planner, and seconds
            # faster than reading every row of the largest rollups.
            state.exec_driver_sql("PRAGMA analysis_limit=2000")
        for table in (LP, RP, LDP, RR, RC, RD, RW, RLR):
            # Fresh planner statistics after a full rebuild, so answers use the indexes.
            state.exec_driver_sql(f"ANALYZE {table.name}")


@contextmanager
def _bulk_writing(state: Connection, full: bool) -> Iterator[None]:
    """Write the rollup rows the fast way on SQLite: a large page cache, and in a full build
    the secondary indexes dropped and built once at the end, from sorted rows (readers keep
    their snapshot there; PostgreSQL would make them wait for the build instead)."""
    sqlite = state.dialect.name == "sqlite"
    if sqlite:
        state.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
    tables = _ROW_TABLES if full and sqlite else ()
    indexes = [index for table in tables for index in table.indexes]
    for index in indexes:
        index.drop(state)
    try:
        yield
        for index in indexes:
            index.create(state)
    finally:
        if sqlite:
            state.exec_driver_sql("PRAGMA cache_size=-2000")


def _replace_rows(
    state: Connection,
    analytics: Connection,
    params: Params,
    lo: date | None,
    say: Callable[[str], None],
    copy: Callable[..., None],
) -> None:
    """Delete the rollup rows facts from lo on reach, and insert them again from the facts
    with `copy(state, analytics, table, query)`."""
    dialect = analytics.dialect.name
    steps = (
        ("cohort revenue (LTV)", LP, ltv_parts_select(dialect, params, lo)),
        ("cohort revenue (ROI)", RP, roi_parts_select(dialect, params, lo)),
        ("lead conversions", LDP, lead_parts_select(dialect, params, lo)),
        ("retention", RR, retention_select(dialect, lo)),
        ("customer days", RC, customer_days_select(dialect, lo)),
        ("lead response times", RLR, lead_response_select(dialect, lo)),
        ("daily measures", RD, daily_select(dialect, lo)),
    )
    anchors = {LP: LP.c.order_day, RP: RP.c.order_day, RR: RR.c.active_day, RC: RC.c.day}
    anchors[RLR] = RLR.c.lead_day
    for label, table, query in steps:
        say(f"rebuilding {label}" + (f" from {lo}" if lo else ""))
        if lo is None:
            state.execute(delete(table))
        elif table is LDP:
            state.execute(delete(table).where(_replaced_parts(table, lo)))
        else:
            state.execute(delete(table).where(anchors.get(table, RD.c.day) >= lo))
        copy(state, analytics, table, query)


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
        first_day, data_through = _warehouse_days(db.analytics)
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


def _warehouse_days(engine: Engine) -> tuple[date | None, date | None]:
    """The facts' first and last day in another database. A warehouse without indexes
    (DuckDB, ClickHouse) scans a column for each, so there they are read at most every
    FACT_DAYS_SECONDS; imports mark their own days at once all the same."""
    scans = family_of(engine) in ("duckdb", "clickhouse")
    now = time.monotonic()
    with _fact_days_lock:
        known = _fact_days.get(engine)
    if scans and known is not None and now - known[0] < FACT_DAYS_SECONDS:
        return known[1]
    with engine.connect() as connection:
        days = data_range(connection)
    with _fact_days_lock:
        _fact_days[engine] = (now, days)
    return days


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
