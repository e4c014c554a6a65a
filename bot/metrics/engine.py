"""Answers: a Query in, a Result out, read from the rollups (refreshed first when stale).

The numbers come from calculator.py (values, rows, points) over readers.py (the rollup
queries); this module decides what an answer holds and what its notes say. An answer reads
each period per (channel, campaign) cell, so its total, its breakdown and the drivers of its
change (drivers.py) all come from one read; the previous period is read as of its own point
in time (comparisons at the same age), and young cohorts are projected (projection.py).
`extras=False` answers as the engine did before those three (for the side-by-side benchmark).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import Connection

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.i18n import Msg, joined
from bot.core.settings import Settings
from bot.metrics import rollups
from bot.metrics.calculator import NOTHING, Calculator, Parts, add_parts, covered, overlaps
from bot.metrics.catalog import Catalog, load_catalog
from bot.metrics.drivers import Driver, cell_drivers, grouped_cells, shown_key
from bot.metrics.parser import is_metric_list, parse
from bot.metrics.projection import project
from bot.metrics.query import Filters, Period, Query, QueryError, buckets
from bot.metrics.readers import KEPT, Key, RollupReader, Scope
from bot.metrics.registry import Metric, cohort_windows, get_measure
from bot.metrics.result import Point, Result, Row

log = logging.getLogger(__name__)

__all__ = ["QueryError", "answer", "ask", "buckets", "is_metric_list", "measure_totals"]


def ask(
    text: str,
    settings: Settings,
    db: Database,
    clock: Clock = SYSTEM_CLOCK,
    *,
    extras: bool = True,
) -> Result:
    """Answer what a person typed ("/ltv channel=tiktok"); raises QueryError for bad input."""
    catalog = load_catalog(db.analytics)
    query = parse(text, catalog, clock.today(settings.tz))
    return answer(query, settings, db, clock, extras=extras)


@dataclass
class _Current:
    """The asked period's part of an answer."""

    loaded: bool
    num: float = 0.0
    den: float | None = 0.0
    sample: float = 0.0
    value: float | None = None
    maturity: float | None = None
    rows: tuple[Row, ...] = ()
    series: tuple[Point, ...] = ()
    notes: list[Msg] = field(default_factory=list)
    cells: dict[Key, Parts] = field(default_factory=dict)
    projected: float | None = None
    window: int | None = None
    so_far: bool = False


@dataclass
class _Previous:
    """The compared period's part of an answer."""

    value: float | None = None
    series: tuple[Point, ...] = ()
    notes: list[Msg] = field(default_factory=list)
    cells: dict[Key, Parts] = field(default_factory=dict)
    same_age: bool = False


@dataclass(frozen=True)
class _Asked:
    """What one answer works with besides the query."""

    calc: Calculator
    scope: Scope
    # The last day of data the answer counts (yesterday at the latest); None: no data.
    as_of: date | None
    # None answers as the engine without drivers, projections and same-age comparisons.
    catalog: Catalog | None


def answer(
    query: Query,
    settings: Settings,
    db: Database,
    clock: Clock = SYSTEM_CLOCK,
    *,
    extras: bool = True,
) -> Result:
    """Answer an already built Query from the rollups (refreshing them first when stale)."""
    yesterday = clock.yesterday(settings.tz)
    metric = query.metric
    margin = settings.gross_margin if metric.margin else 1.0
    day_n = query.day_n or 1
    catalog = load_catalog(db.analytics) if extras else None
    with db.state.connect() as connection:
        days = _fresh_days(connection, query.text, settings, db, clock)
        reader = RollupReader(connection, *days, cohort_windows(settings))
        calc = Calculator(reader, metric, margin, day_n, yesterday)
        scope = Scope(query.period, query.filters, day_n, yesterday)
        as_of = min(days[1], yesterday) if days[1] is not None else None
        asked = _Asked(calc, scope, as_of, catalog)
        current = _current(asked, query, settings)
        previous = _previous(asked, query, current.loaded)
    notes = [*([query.note] if query.note else []), *current.notes, *previous.notes]
    sample = float(query.period.days) if metric.sample is None else current.sample
    drivers: tuple[Driver, ...] = ()
    if (
        catalog is not None
        and metric.adds_up()
        and current.value is not None
        and previous.value is not None
    ):
        drivers = cell_drivers(current.cells, previous.cells, metric, margin, query, catalog)
    return Result(
        query=query,
        value=current.value,
        numerator=None if current.num is None else current.num * margin,  # type: ignore[arg-type]
        denominator=current.den if metric.denominator else None,
        previous_value=previous.value,
        sample_size=int(round(sample)),
        maturity=current.maturity,
        breakdown=current.rows,
        series=current.series,
        previous_series=previous.series,
        note=joined(notes),
        data_through=reader.through,
        projected_value=current.projected,
        window_days=current.window,
        so_far=current.so_far,
        same_age=previous.same_age,
        drivers=drivers,
    )


def measure_totals(
    names: Sequence[str],
    period: Period,
    filters: Filters,
    settings: Settings,
    db: Database,
    clock: Clock = SYSTEM_CLOCK,
    *,
    day_n: int = 1,
) -> dict[str, float | None] | None:
    """Declared measures (by name) over a period for the filters, each one number read from
    the rollups (refreshed first when stale): a sum, or a statistic (None without values).
    None when no loaded data overlaps the period."""
    measures = [get_measure(name) for name in names]
    yesterday = clock.yesterday(settings.tz)
    with db.state.connect() as connection:
        first_day, through = _fresh_days(connection, ", ".join(names), settings, db, clock)
        if not overlaps(period, first_day, through):
            return None
        reader = RollupReader(connection, first_day, through, cohort_windows(settings))
        sums = reader.read(measures, Scope(period, filters, day_n, yesterday), None, None)
    return {m.name: sums[m.name].get(None, 0.0 if m.adds_up else None) for m in measures}


def _fresh_days(
    connection: Connection, asked: str, settings: Settings, db: Database, clock: Clock
) -> tuple[date | None, date | None]:
    """The first and last data day of rollups that reflect every import, refreshing them
    first when they do not."""
    stale, first_day, through = rollups.freshness(connection, settings)
    if not stale:
        # Facts appended outside `warroom import` (a team's own warehouse) count too;
        # when they share the state store, this connection reads them.
        facts = connection if db.analytics is db.state else None
        stale = rollups.notice_new_fact_days(db, first_day, through, clock, facts)
    if stale:
        # Never answer from rollups an import has outdated: bring them up to date first.
        log.info("metric rollups are stale; refreshing before answering %r", asked)
        connection.rollback()
        rollups.refresh(settings, db, clock)
        _, first_day, through = rollups.freshness(connection, settings)
    return first_day, through


def _current(asked: _Asked, query: Query, settings: Settings) -> _Current:
    """The value of the asked period, with its rows or series, projection and notes."""
    calc, scope = asked.calc, asked.scope
    first_day, through = calc.rollups.first_day, calc.rollups.through
    if not overlaps(query.period, first_day, through):
        return _Current(loaded=False, notes=[_not_loaded(first_day, through)])
    out = _Current(loaded=True)
    series_sums: dict = {}
    has_denominator = query.metric.denominator is not None
    if asked.catalog is not None and calc.adds_up:
        # Every user, lead and spend row has exactly one channel and campaign, so even
        # distinct counts add up over cells: one read gives the total, rows and drivers.
        out.cells, series_sums = _cells_and_buckets(calc, scope, query.grain)
        out.num, out.den, out.sample = add_parts(out.cells.values(), has_denominator)
        if query.by:
            by_key = grouped_cells(out.cells, query.by, asked.catalog)
            out.rows = calc.breakdown(scope, query.by, by_key)
    elif query.by:
        by_key = calc.fetch(scope, query.by)
        if calc.adds_up:
            out.num, out.den, out.sample = add_parts(by_key.values(), has_denominator)
        else:
            # A median of the whole period is not made of its rows' medians.
            out.num, out.den, out.sample = calc.fetch(scope, None).get(None, calc.nothing)
        out.rows = calc.breakdown(scope, query.by, by_key)
        if query.grain:
            series_sums = calc.fetch(scope, "bucket", query.grain)
    elif query.grain:
        # Series and total from one pass.
        series_sums, (out.num, out.den, out.sample) = calc.fetch_series(scope, query.grain)
    else:
        out.num, out.den, out.sample = calc.fetch(scope, None).get(None, calc.nothing)
    out.value, empty = calc.value(out.num, out.den, query.filters, query.period)
    if empty:
        out.notes.append(empty)
    if through is not None and query.period.end > through:
        out.notes.append(Msg("data loaded through {day}", day=through))
    if first_day is not None and query.period.start < first_day:
        out.notes.append(Msg("data starts {day}", day=first_day))
    if asked.catalog is None and query.metric.margin:
        out.maturity = calc.maturity(scope, settings.ltv_horizon_days, "new_customers")
    elif asked.catalog is not None and query.metric.projected() is not None:
        _project(asked, query, out)
    if asked.catalog is None and out.maturity is not None and out.maturity < 1:
        # (With the extras, the headline says it beside the projection.)
        out.notes.append(Msg("cohort {share:.0f}% mature", share=out.maturity * 100))
    if query.grain:
        out.series = calc.series(scope, query.grain, series_sums)
    return out


def _project(asked: _Asked, query: Query, out: _Current) -> None:
    """The maturity of the period's cohorts and the value at the full window."""
    calc, scope = asked.calc, asked.scope
    measure = query.metric.projected()
    assert measure is not None and measure.cohort is not None
    window = calc.rollups.windows[measure.name]
    out.window = window
    members = measure.cohort.members
    if asked.as_of is None or out.value is None:
        out.maturity = calc.maturity(scope, window, members)
        return
    projected = project(calc.rollups, measure, scope, asked.as_of, query.by == "campaign")
    out.so_far = not projected.complete
    if query.metric.sample == members and asked.as_of == scope.yesterday:
        # The cohorts younger than the window on yesterday are the ones just read.
        young = projected.young_members
        out.maturity = (out.sample - young) / out.sample if out.sample else None
    else:
        out.maturity = calc.maturity(scope, window, members)
    if projected.added is None:
        out.notes.append(Msg("no projection yet: no cohort has had its {days} days", days=window))
        return
    total = out.num + sum(projected.added.values())
    out.projected, _ = calc.value(total, out.den, query.filters, scope.period)
    if query.by and asked.catalog is not None:
        by_key = grouped_cells(out.cells, query.by, asked.catalog)
        added = grouped_cells(
            {key: (more, None, 0.0) for key, more in projected.added.items()},
            query.by,
            asked.catalog,
        )
        rows = {
            shown_key(key): (num + added.get(key, NOTHING)[0], den, sample)
            for key, (num, den, sample) in by_key.items()
        }
        out.rows = tuple(
            replace(row, projected_value=_value(calc, rows.get(row.key, NOTHING), scope))
            for row in out.rows
        )


def _value(calc: Calculator, parts: Parts, scope: Scope) -> float | None:
    value, _ = calc.value(parts[0], parts[1], scope.filters, scope.period)
    return value


def _previous(asked: _Asked, query: Query, loaded: bool) -> _Previous:
    """The value (and series) of the period compared with, when it has loaded data; with
    the extras, as of the day that puts its cohorts at the current ones' age."""
    calc, scope = asked.calc, asked.scope
    previous = query.comparison_period()
    first_day, through = calc.rollups.first_day, calc.rollups.through
    # A previous period outside the loaded data has no value; one partly loaded is
    # compared, with a note, since its missing days may explain the change.
    if previous is None or not overlaps(previous, first_day, through):
        return _Previous()
    out = _Previous()
    if loaded and not covered(previous, first_day, through):
        out.notes.append(
            Msg("the previous period is only partly loaded (data starts {day})", day=first_day)
        )
    as_of = None
    if asked.catalog is not None and asked.as_of is not None:
        as_of = _as_of(asked.as_of, query)
    prev_scope = Scope(previous, query.filters, scope.day_n, scope.yesterday, as_of)
    if as_of is not None:
        out.same_age = _same_age(query.metric, prev_scope, calc.rollups.windows)
    if as_of is not None and calc.adds_up:
        grain = query.grain if loaded else None
        out.cells, sums = _cells_and_buckets(calc, prev_scope, grain)
        num, den, _ = add_parts(out.cells.values(), query.metric.denominator is not None)
        if grain:
            out.series = calc.series(prev_scope, grain, sums, min(through, as_of))  # type: ignore[type-var]
    elif query.grain and loaded:
        sums, (num, den, _) = calc.fetch_series(prev_scope, query.grain)
        last = None if as_of is None else min(through, as_of)  # type: ignore[type-var]
        out.series = calc.series(prev_scope, query.grain, sums, last)
    else:
        num, den, _ = calc.fetch(prev_scope, None).get(None, calc.nothing)
    out.value, _ = calc.value(num, den, query.filters, previous)
    return out


def _cells_and_buckets(
    calc: Calculator, scope: Scope, grain: str | None
) -> tuple[dict[Key, Parts], dict[Key, Parts]]:
    """A period's sums per (channel, campaign) cell, and per grain bucket when asked, read
    together."""
    if grain is None:
        return calc.fetch(scope, "cell"), {}
    return calc.fetch_cells_and_buckets(scope, grain)


def _as_of(last: date, query: Query) -> date:
    """The day the previous period is read as of: the current period's last day of data
    moved back by the period's length, or by a year for vs=yoy."""
    if query.compare == "yoy":
        return Period(last, last).year_ago().start
    return last - timedelta(days=query.period.days)


def _same_age(metric: Metric, scope: Scope, windows: dict[str, int]) -> bool:
    """True when reading the previous period as of its own point in time leaves out facts
    it would otherwise count: a window or day N its cohorts had not reached by then."""
    assert scope.as_of is not None
    if scope.as_of < scope.period.end:
        return True
    for measure in metric.measures():
        if measure.cohort is not None and scope.young_from(windows[measure.name]):
            return True
        if KEPT[measure.kept].later_facts and scope.as_of < scope.yesterday:
            return True
        if KEPT[measure.kept].by_day_n:
            unread = scope.yesterday - timedelta(days=scope.day_n)
            if scope.day_n_cutoff < min(scope.period.end, unread):
                return True
    return False


def _not_loaded(first: date | None, through: date | None) -> Msg:
    if through is None:
        return Msg("no data loaded yet (warroom import or warroom demo-data)")
    return Msg(
        "no data loaded for this period (data runs from {first} to {through})",
        first=first,
        through=through,
    )
