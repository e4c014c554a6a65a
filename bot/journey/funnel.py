"""The journey in numbers: each touchpoint's volume over a period and the one compared with,
its conversion from the previous measured touchpoint, and the step whose conversion fell most.

The built-in touchpoints are read from the metric rollups (their declared measures, summed
where the facts are aggregated); the others from the touchpoints fact table, summed in the
analytics store. Only totals come back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, inspect, select

from bot.core.context import Context
from bot.journey.map import JourneyMap, Point
from bot.metrics import Filters, Period, measure_totals
from bot.models import Touchpoint

# Each built-in touchpoint: the rollup measure it is, and how many days before the period
# that measure's anchor day lies. "activated" is the users active the day after signing up,
# counted on the day they are active: retained users of the sign-up days one day earlier.
BUILT_IN_MEASURES: dict[str, tuple[str, int]] = {
    "impressions": ("impressions", 0),
    "clicks": ("clicks", 0),
    "leads": ("leads", 0),
    "sign_ups": ("signups", 0),
    "activated": ("retained", 1),
    "first_orders": ("new_customers", 0),
    "repeat_customers": ("repeat_customers", 0),
}
T = Touchpoint.__table__

Volumes = Mapping[str, float | None]


@dataclass(frozen=True)
class Step:
    """One touchpoint of the journey in numbers: its volume now and before (None: not
    measured), and its conversion from `source`, the previous measured touchpoint."""

    point: Point
    value: float | None
    previous_value: float | None
    source: Point | None = None
    conversion: float | None = None
    previous_conversion: float | None = None

    @property
    def conversion_change(self) -> float | None:
        """How the conversion moved, relative to the previous period (-0.85: fell 85%)."""
        if self.conversion is None or not self.previous_conversion:
            return None
        return self.conversion / self.previous_conversion - 1

    @property
    def value_change(self) -> float | None:
        """How the volume moved, relative to the previous period."""
        if self.value is None or not self.previous_value:
            return None
        return self.value / self.previous_value - 1


@dataclass(frozen=True)
class Funnel:
    """The journey over one period, compared with another (None: no comparison)."""

    steps: tuple[Step, ...]
    period: Period
    previous: Period | None
    channels: tuple[str, ...] = ()
    handoff: str | None = None
    biggest_drop: str | None = None

    def step(self, key: str) -> Step:
        """The step of the touchpoint called `key`."""
        return next(step for step in self.steps if step.point.key == key)


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return value / base


def build_steps(journey: JourneyMap, now: Volumes, before: Volumes) -> tuple[Step, ...]:
    """The steps of the journey from the volumes of two periods (a key missing or None: not
    measured). A step converts from the nearest earlier touchpoint measured in the current
    period; both periods' conversions use that same touchpoint."""
    steps = []
    source: Point | None = None
    for point in journey.points:
        value, previous = now.get(point.key), before.get(point.key)
        if source is None:
            steps.append(Step(point, value, previous))
        else:
            steps.append(
                Step(
                    point,
                    value,
                    previous,
                    source,
                    _ratio(value, now.get(source.key)),
                    _ratio(previous, before.get(source.key)),
                )
            )
        if value is not None:
            source = point
    return tuple(steps)


def biggest_drop(steps: tuple[Step, ...]) -> Step | None:
    """The step whose conversion fell most relative to the previous period (the earliest of
    equal falls); None when no conversion fell."""
    worst: Step | None = None
    for step in steps:
        change = step.conversion_change
        if change is None or change >= 0:
            continue
        if worst is None or change < worst.conversion_change:  # type: ignore[operator]
            worst = step
    return worst


def _built_in(ctx: Context, journey: JourneyMap, period: Period, filters: Filters) -> Volumes:
    """The built-in touchpoints' volumes over `period`, from the metric rollups."""
    out: dict[str, float | None] = {}
    by_lag: dict[int, list[Point]] = {}
    for point in journey.points:
        if point.built_in:
            by_lag.setdefault(BUILT_IN_MEASURES[point.source][1], []).append(point)
    for lag, points in by_lag.items():
        shifted = Period(period.start - timedelta(days=lag), period.end - timedelta(days=lag))
        names = sorted({BUILT_IN_MEASURES[point.source][0] for point in points})
        totals = measure_totals(names, shifted, filters, ctx.settings, ctx.db, ctx.clock)
        for point in points:
            name = BUILT_IN_MEASURES[point.source][0]
            out[point.key] = None if totals is None else totals.get(name)
    return out


def _from_table(
    ctx: Context, keys: list[str], periods: list[Period], channels: tuple[str, ...]
) -> list[dict[str, float]]:
    """Per period, the touchpoints table's total of each key with any row in it (one scan of
    the days of all the periods, summed in the analytics store)."""
    out: list[dict[str, float]] = [{} for _ in periods]
    if not keys or not periods:
        return out
    with ctx.db.analytics.connect() as connection:
        if not inspect(connection).has_table(T.name):
            return out  # an optional table a warehouse may not have
        columns = []
        for index, period in enumerate(periods):
            inside = (T.c.date >= period.start) & (T.c.date <= period.end)
            columns.append(func.sum(case((inside, T.c["count"]), else_=0)).label(f"v{index}"))
            columns.append(func.sum(case((inside, 1), else_=0)).label(f"n{index}"))
        query = (
            select(T.c.touchpoint, *columns)
            .where(
                T.c.date >= min(p.start for p in periods),
                T.c.date <= max(p.end for p in periods),
                T.c.touchpoint.in_(keys),
            )
            .group_by(T.c.touchpoint)
        )
        if channels:
            query = query.where(T.c.channel.in_(channels))
        for row in connection.execute(query):
            for index in range(len(periods)):
                if row._mapping[f"n{index}"]:
                    out[index][row.touchpoint] = float(row._mapping[f"v{index}"] or 0)
    return out


def read_funnel(
    ctx: Context,
    journey: JourneyMap,
    period: Period,
    previous: Period | None,
    channels: tuple[str, ...] = (),
) -> Funnel:
    """The journey over `period` (and `previous`, when compared) for the channels (none: all)."""
    filters = Filters(channels=channels)
    periods = [period, *([previous] if previous is not None else [])]
    tables = _from_table(ctx, journey.table_keys(), periods, channels)
    volumes = [
        {**_built_in(ctx, journey, p, filters), **table}
        for p, table in zip(periods, tables, strict=True)
    ]
    now = volumes[0]
    before = volumes[1] if previous is not None else {}
    steps = build_steps(journey, now, before)
    worst = biggest_drop(steps)
    handoff = journey.handoff
    return Funnel(
        steps,
        period,
        previous,
        channels,
        handoff.key if handoff else None,
        worst.point.key if worst else None,
    )
