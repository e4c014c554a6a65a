"""Answers: a Query in, a Result out, read from the rollups (refreshed first when stale).

The numbers come from calculator.py (values, rows, points) over readers.py (the rollup
queries); this module decides what an answer holds and what its notes say.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics import rollups
from bot.metrics.calculator import NOTHING, Calculator, Parts, covered, overlaps
from bot.metrics.catalog import load_catalog
from bot.metrics.parser import is_metric_list, parse
from bot.metrics.query import Query, QueryError, buckets
from bot.metrics.readers import RollupReader, Scope
from bot.metrics.result import Point, Result, Row

log = logging.getLogger(__name__)

__all__ = ["QueryError", "answer", "ask", "buckets", "is_metric_list"]


def ask(text: str, settings: Settings, db: Database, clock: Clock = SYSTEM_CLOCK) -> Result:
    """Answer what a person typed ("/ltv channel=tiktok"); raises QueryError for bad input."""
    catalog = load_catalog(db.analytics)
    query = parse(text, catalog, clock.today(settings.tz))
    return answer(query, settings, db, clock)


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
    notes: list[str] = field(default_factory=list)


@dataclass
class _Previous:
    """The compared period's part of an answer."""

    value: float | None = None
    series: tuple[Point, ...] = ()
    notes: list[str] = field(default_factory=list)


def answer(query: Query, settings: Settings, db: Database, clock: Clock = SYSTEM_CLOCK) -> Result:
    """Answer an already built Query from the rollups (refreshing them first when stale)."""
    yesterday = clock.yesterday(settings.tz)
    metric = query.metric
    margin = settings.gross_margin if metric.margin else 1.0
    day_n = query.day_n or 1
    with db.state.connect() as connection:
        reader = RollupReader(connection, *_fresh_days(connection, query, settings, db, clock))
        calc = Calculator(reader, metric, margin, day_n, yesterday)
        scope = Scope(query.period, query.filters, day_n, yesterday)
        current = _current(calc, query, scope, settings)
        previous = _previous(calc, query, scope, current.loaded)
    notes = [*([query.note] if query.note else []), *current.notes, *previous.notes]
    sample = float(query.period.days) if metric.sample is None else current.sample
    return Result(
        query=query,
        value=current.value,
        numerator=current.num * margin,
        denominator=current.den if metric.denominator else None,
        previous_value=previous.value,
        sample_size=int(round(sample)),
        maturity=current.maturity,
        breakdown=current.rows,
        series=current.series,
        previous_series=previous.series,
        note="; ".join(notes) or None,
        data_through=reader.through,
    )


def _fresh_days(
    connection: Connection, query: Query, settings: Settings, db: Database, clock: Clock
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
        log.info("metric rollups are stale; refreshing before answering %r", query.text)
        connection.rollback()
        rollups.refresh(settings, db, clock)
        _, first_day, through = rollups.freshness(connection, settings)
    return first_day, through


def _current(calc: Calculator, query: Query, scope: Scope, settings: Settings) -> _Current:
    """The value of the asked period, with its rows or series and notes."""
    first_day, through = calc.rollups.first_day, calc.rollups.through
    if not overlaps(query.period, first_day, through):
        return _Current(loaded=False, notes=[_not_loaded(first_day, through)])
    out = _Current(loaded=True)
    series_sums: dict = {}
    if query.by:
        # Every user, lead and spend row has exactly one channel, campaign and kind,
        # so even distinct counts add up over breakdown rows: one query gives both.
        by_key = calc.fetch(scope, query.by)
        out.num, out.den, out.sample = _add(by_key.values(), query.metric.denominator is not None)
        out.rows = calc.breakdown(scope, query.by, by_key)
        if query.grain:
            series_sums = calc.fetch(scope, "bucket", query.grain)
    elif query.grain:
        # Series and total from one pass.
        series_sums, (out.num, out.den, out.sample) = calc.fetch_series(scope, query.grain)
    else:
        out.num, out.den, out.sample = calc.fetch(scope, None).get(None, NOTHING)
    out.value, empty = calc.value(out.num, out.den, query.filters, query.period)
    if empty:
        out.notes.append(empty)
    if through is not None and query.period.end > through:
        out.notes.append(f"data loaded through {through}")
    if first_day is not None and query.period.start < first_day:
        out.notes.append(f"data starts {first_day}")
    if query.metric.margin:
        out.maturity = calc.maturity(scope, settings.ltv_horizon_days)
        if out.maturity is not None and out.maturity < 1:
            out.notes.append(f"cohort {out.maturity * 100:.0f}% mature")
    if query.grain:
        out.series = calc.series(scope, query.grain, series_sums)
    return out


def _previous(calc: Calculator, query: Query, scope: Scope, loaded: bool) -> _Previous:
    """The value (and series) of the period compared with, when it has loaded data."""
    previous = query.comparison_period()
    first_day, through = calc.rollups.first_day, calc.rollups.through
    # A previous period outside the loaded data has no value; one partly loaded is
    # compared, with a note, since its missing days may explain the change.
    if previous is None or not overlaps(previous, first_day, through):
        return _Previous()
    out = _Previous()
    if loaded and not covered(previous, first_day, through):
        out.notes.append(f"the previous period is only partly loaded (data starts {first_day})")
    prev_scope = Scope(previous, query.filters, scope.day_n, scope.yesterday)
    if query.grain and loaded:
        sums, (num, den, _) = calc.fetch_series(prev_scope, query.grain)
        out.series = calc.series(prev_scope, query.grain, sums)
    else:
        num, den, _ = calc.fetch(prev_scope, None).get(None, NOTHING)
    out.value, _ = calc.value(num, den, query.filters, previous)
    return out


def _add(parts: Iterable[Parts], has_denominator: bool) -> Parts:
    num = den = sample = 0.0
    for part_num, part_den, part_sample in parts:
        num += part_num
        den += part_den or 0.0
        sample += part_sample
    return num, (den if has_denominator else None), sample


def _not_loaded(first: date | None, through: date | None) -> str:
    if through is None:
        return "no data loaded yet (warroom import or warroom demo-data)"
    return f"no data loaded for this period (data runs from {first} to {through})"
