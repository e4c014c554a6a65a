"""One metric's numbers from the rollups: its measures summed per key, combined into values,
breakdown rows and series points.

Every ratio is sum(numerator) / sum(denominator) over the whole period, grain bucket or
breakdown row. An empty denominator gives value None and a note saying why; never NaN,
inf or a division by zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.core.i18n import Msg
from bot.metrics.query import Filters, Period, buckets
from bot.metrics.readers import KEPT, Key, RollupReader, Scope, Sums
from bot.metrics.registry import Metric, get_measure
from bot.metrics.result import Point, Row

# A key's (numerator, denominator or None for a sum, sample size). The numerator of a
# statistic (a median) is None where there is no value to take it of.
Parts = tuple[float, float | None, float]
NOTHING: Parts = (0.0, 0.0, 0.0)
NO_VALUES: Parts = (None, None, 0.0)  # type: ignore[assignment]


class Calculator:
    """Computes one metric from the rollups a RollupReader reads."""

    def __init__(
        self, rollups: RollupReader, metric: Metric, margin: float, day_n: int, yesterday: date
    ):
        self.rollups = rollups
        self.metric = metric
        # GROSS_MARGIN for the metrics that apply it, else 1.
        self.margin = margin
        self.day_n = day_n
        self.yesterday = yesterday
        self.measures = metric.measures()
        # A metric that is a statistic of a distribution (a median) does not add up: a key
        # without values has none, not zero.
        self.adds_up = metric.adds_up()
        self.nothing = NOTHING if self.adds_up else NO_VALUES

    # ------------------------------------------------------------------ values

    def value(
        self, num: float, den: float | None, filters: Filters, period: Period
    ) -> tuple[float | None, Msg | None]:
        """The metric's value from summed measures, or None and why."""
        metric = self.metric
        if num is None:  # a median of no values
            return None, self.empty_note(filters, period, metric.numerator)
        if metric.denominator is None:
            return (int(num) if metric.unit == "count" else float(num)), None
        if not den:
            return None, self.empty_note(filters, period)
        return num * self.margin / den, None

    def empty_note(self, filters: Filters, period: Period, measure: str | None = None) -> Msg:
        """Why the denominator (or `measure`) is empty ("no spend for tiktok in this
        period")."""
        denominator = get_measure(measure or self.metric.denominator)  # type: ignore[arg-type]
        words = _scope_words(filters)
        explain = KEPT[denominator.kept].explain
        if explain is not None:
            scope = Scope(period, filters, self.day_n, self.yesterday)
            said = explain(denominator, scope, words)
            if said is not None:
                return said
        return Msg("{empty}{scope} in this period", empty=Msg(denominator.empty), scope=words)

    # ----------------------------------------------------------------- queries

    def fetch(self, scope: Scope, group: str | None, grain: str | None = None) -> dict[Key, Parts]:
        """{key: (numerator, denominator, sample)} for the metric's measures."""
        return self._combine(self.rollups.read(self.measures, scope, group, grain))

    def fetch_cells_and_buckets(
        self, scope: Scope, grain: str
    ) -> tuple[dict[Key, Parts], dict[Key, Parts]]:
        """fetch() per (channel, campaign) cell and per grain bucket, read together."""
        cells, buckets_ = self.rollups.read_cells_and_buckets(self.measures, scope, grain)
        return self._combine(cells), self._combine(buckets_)

    def fetch_series(self, scope: Scope, grain: str) -> tuple[dict[Key, Parts], Parts]:
        """The per-bucket sums and the period's total from one pass over the rollups."""
        per_bucket = self.rollups.read(self.measures, scope, "bucket", grain)
        totals: Sums = {}
        counted = []
        for measure in self.measures:
            if KEPT[measure.kept].additive:
                totals[measure.name] = {None: sum(per_bucket[measure.name].values())}
            else:
                counted.append(measure)
        if counted:
            # Distinct customers do not add up over buckets: their total is counted itself.
            totals.update(self.rollups.read(counted, scope, None, None))
        return self._combine(per_bucket), self._combine(totals).get(None, self.nothing)

    def maturity(self, scope: Scope, window: int, members: str) -> float | None:
        """Share of the period's cohort members (the `members` measure) whose `window` days
        are all observed."""
        return self.rollups.maturity(scope, window, get_measure(members))

    def _combine(self, sums: Sums) -> dict[Key, Parts]:
        keys: set[Key] = set()
        for values in sums.values():
            keys.update(values)
        metric = self.metric
        out = {}
        missing = self.nothing[0]
        for key in keys:
            num = sums[metric.numerator].get(key, missing)
            den = sums[metric.denominator].get(key, 0.0) if metric.denominator else None
            sample = sums[metric.sample].get(key, 0.0) if metric.sample else 0.0
            out[key] = (num, den, sample)
        return out

    # ------------------------------------------------------------- shapes

    def breakdown(self, scope: Scope, by: str, sums: dict[Key, Parts]) -> tuple[Row, ...]:
        """One row per channel, campaign or kind with any data; empty denominators noted."""
        labels = self.rollups.labels(by)
        rows = []
        for key, (num, den, _sample) in sums.items():
            if num is None or (self.adds_up and not num and not den):
                continue
            shown = "none" if key in ("", None) else str(key)
            row_filters = _row_filters(scope.filters, by, key)
            value, note = self.value(num, den, row_filters, scope.period)
            rows.append(
                Row(
                    key=shown,
                    label=labels.get(key, "no campaign" if shown == "none" else shown),
                    value=value,
                    numerator=num * self.margin,
                    denominator=den,
                    note=note,
                )
            )
        good_up = self.metric.good == "up"
        rows.sort(
            key=lambda row: (
                row.value is None,
                -(row.value or 0) if good_up else (row.value or 0),
                row.key,
            )
        )
        return tuple(rows)

    def series(
        self,
        scope: Scope,
        grain: str,
        values: dict[Key, Parts],
        through: date | None = None,
    ) -> tuple[Point, ...]:
        """The metric per grain bucket over the period (every bucket, empty ones included;
        buckets outside the loaded data, or after `through` when given, have no value, not
        zero)."""
        first, through = self.rollups.first_day, through or self.rollups.through
        points = []
        for start, end in buckets(scope.period, grain):  # type: ignore[arg-type]
            num, den, _ = values.get(start, self.nothing)
            bucket = Period(start, end)
            value, _ = self.value(num, den, scope.filters, bucket)
            if not overlaps(bucket, first, through):
                value = None
            points.append(Point(start, value))
        return tuple(points)


def add_parts(parts: Iterable[Parts], has_denominator: bool) -> Parts:
    """Parts added up (the denominator None for a sum)."""
    num = den = sample = 0.0
    for part_num, part_den, part_sample in parts:
        num += part_num
        den += part_den or 0.0
        sample += part_sample
    return num, (den if has_denominator else None), sample


def overlaps(period: Period, first: date | None, through: date | None) -> bool:
    """True when the period has at least one day of the loaded data first..through."""
    return not (first is None or through is None or period.start > through or period.end < first)


def covered(period: Period, first: date | None, through: date | None) -> bool:
    """True when every day of the period is inside the loaded data first..through."""
    return (
        first is not None and through is not None and first <= period.start <= period.end <= through
    )


def _row_filters(filters: Filters, by: str, key: Key) -> Filters:
    if by == "channel":
        return Filters(channels=(key,), campaigns=filters.campaigns, kind=filters.kind)
    if by == "campaign":
        return Filters(channels=filters.channels, campaigns=(key or "none",), kind=filters.kind)
    return Filters(channels=filters.channels, campaigns=filters.campaigns, kind=key)


def _scope_words(filters: Filters) -> Msg | str:
    """ " for tiktok / campaign spring-sale" ("" without filters)."""
    parts: list[str] = []
    if filters.channels:
        parts.append(", ".join(filters.channels))
    if filters.campaigns:
        names = [Msg("no campaign") if c in ("", "none") else c for c in filters.campaigns]
        parts.append(Msg("campaign {names}", names=", ".join(names)))
    if filters.kind:
        parts.append(Msg("{kind} channels", kind=Msg(filters.kind)))
    if not parts:
        return ""
    # The parts side by side ("tiktok / paid channels"), each said in the reader's language.
    layout = " / ".join("{p%d}" % i for i in range(len(parts)))  # noqa: UP031
    values = {"p%d" % i: part for i, part in enumerate(parts)}  # noqa: UP031
    scope = Msg(layout, **values)
    return Msg(" for {scope}", scope=scope)
