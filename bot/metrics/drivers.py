"""Why a number moved: its change split over channels, campaigns or kinds.

A sum (spend, revenue, new customers) changes by the sum of its rows' changes. A ratio
R = N/D is the weighted mean of its rows' rates, R = sum of w_i r_i with weights w_i = D_i/D
and rates r_i = N_i/D_i, and its change splits exactly (Kitagawa 1955, JASA 50:1168) into a
mix effect dw_i (r_i' - R') and a rate effect w_i' dr_i per row, where a prime is the average
of the two periods and R' = sum of w_i' r_i'. A row absent from one period has weight 0
there and takes its rate from the other period. The effects of one split add up to the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.i18n import N_
from bot.metrics.catalog import Catalog
from bot.metrics.query import Query
from bot.metrics.registry import Metric

# A row's numerator (the margin applied) and denominator (None for a sum).
RowParts = tuple[float, float | None]
DRIVER_FIELDS = ("by", "key", "label", "effect", "mix", "rate")


@dataclass(frozen=True)
class Driver:
    """One row's share of a change: its effect, split into mix and rate for a ratio, and the
    words that say which of them moved it ("more of the mix", "dearer"; "" for a sum)."""

    by: str
    key: str
    label: str
    effect: float
    mix: float | None = None
    rate: float | None = None
    words: str = ""

    def as_json(self) -> dict[str, Any]:
        """The driver as JSON: by, key, label, effect, mix, rate."""
        return {name: getattr(self, name) for name in DRIVER_FIELDS}


def sum_effects(
    current: Mapping[Any, RowParts], previous: Mapping[Any, RowParts]
) -> dict[Any, float]:
    """Each row's own change, for a sum."""
    return {
        key: current.get(key, (0.0, None))[0] - previous.get(key, (0.0, None))[0]
        for key in set(current) | set(previous)
    }


@dataclass(frozen=True)
class Split:
    """A ratio row's effect, its mix and rate parts, and its weight and rate changes."""

    mix: float
    rate: float
    weight_change: float
    rate_change: float

    @property
    def effect(self) -> float:
        return self.mix + self.rate


def ratio_effects(
    current: Mapping[Any, RowParts], previous: Mapping[Any, RowParts]
) -> dict[Any, Split]:
    """Kitagawa's exact split of a ratio's change per row. Both totals need a denominator.

    A row with a numerator but no denominator in a period (spend on a channel that brought
    no customer) has no rate there: its part of that period's value, N_i/D, counts in its
    rate effect, so the effects still add up to the change."""
    total_now = sum(den or 0.0 for _num, den in current.values())
    total_before = sum(den or 0.0 for _num, den in previous.values())
    rows = {}
    for key in set(current) | set(previous):
        rows[key] = (
            _weighted(current.get(key, (0.0, 0.0)), total_now),
            _weighted(previous.get(key, (0.0, 0.0)), total_before),
        )
    average = 0.0
    for (w1, r1, _), (w0, r0, _) in rows.values():
        r1, r0 = _fill(r1, r0)
        average += (w1 + w0) / 2 * (r1 + r0) / 2
    out = {}
    for key, ((w1, r1, z1), (w0, r0, z0)) in rows.items():
        r1, r0 = _fill(r1, r0)
        mix = (w1 - w0) * ((r1 + r0) / 2 - average)
        rate = (w1 + w0) / 2 * (r1 - r0) + (z1 - z0)
        out[key] = Split(mix, rate, w1 - w0, r1 - r0)
    return out


def _weighted(parts: RowParts, total: float) -> tuple[float, float | None, float]:
    """(weight, rate or None, the part of the value outside the weighted rates)."""
    num, den = parts
    den = den or 0.0
    if den:
        return den / total, num / den, 0.0
    return 0.0, None, num / total


def _fill(now: float | None, before: float | None) -> tuple[float, float]:
    """A missing rate takes the other period's (0 when neither has one: its weight is 0)."""
    if now is None:
        now = before if before is not None else 0.0
    if before is None:
        before = now
    return now, before


def explain_change(
    by: str,
    current: Mapping[Any, RowParts],
    previous: Mapping[Any, RowParts],
    metric: Metric,
    labels: Mapping[Any, str],
) -> list[Driver]:
    """The drivers of one split (`by`), largest effect first. A ratio needs a denominator in
    both periods' totals (else it has no value to explain)."""
    drivers = []
    current = {k: v for k, v in current.items() if v[0] or v[1]}
    previous = {k: v for k, v in previous.items() if v[0] or v[1]}
    if metric.denominator is None:
        for key, effect in sum_effects(current, previous).items():
            drivers.append(Driver(by, _shown(key), labels.get(key, _shown(key)), effect))
    else:
        for key, split in ratio_effects(current, previous).items():
            drivers.append(
                Driver(
                    by,
                    _shown(key),
                    labels.get(key, _shown(key)),
                    split.effect,
                    split.mix,
                    split.rate,
                    _words(split, metric),
                )
            )
    drivers.sort(key=lambda driver: (-abs(driver.effect), driver.key))
    return drivers


def _words(split: Split, metric: Metric) -> str:
    if abs(split.mix) >= abs(split.rate):
        if split.weight_change == 0:
            return ""
        return N_("more of the mix") if split.weight_change > 0 else N_("less of the mix")
    if split.rate_change == 0:
        return ""
    up, down = metric.rate_words
    return up if split.rate_change > 0 else down


def _shown(key: Any) -> str:
    return "none" if key in ("", None) else str(key)


shown_key = _shown

# A (channel, campaign) cell's numerator, denominator (None for a sum) and sample size.
CellParts = tuple[float, "float | None", float]


def grouped_cells(
    cells: Mapping[tuple[str, str], CellParts], by: str, catalog: Catalog
) -> dict[Any, CellParts]:
    """The cells added up per channel, campaign or kind (a channel's kind from the catalog,
    "unknown" for a channel it does not list)."""
    kinds = {channel.key: channel.kind for channel in catalog.channels}
    out: dict[Any, CellParts] = {}
    for (channel, campaign), (num, den, sample) in cells.items():
        key = channel if by == "channel" else campaign if by == "campaign" else None
        if by == "kind":
            key = kinds.get(channel, "unknown")
        had_num, had_den, had_sample = out.get(key, (0.0, None, 0.0))
        total_den = None if den is None else (had_den or 0.0) + den
        out[key] = (had_num + num, total_den, had_sample + sample)
    return out


def _labels(by: str, catalog: Catalog) -> dict[Any, str]:
    if by == "channel":
        return {channel.key: channel.name for channel in catalog.channels}
    if by == "campaign":
        return {"": "no campaign", **{c.id: c.name for c in catalog.campaigns}}
    return {}


def cell_drivers(
    current: Mapping[tuple[str, str], CellParts],
    previous: Mapping[tuple[str, str], CellParts],
    metric: Metric,
    margin: float,
    query: Query,
    catalog: Catalog,
) -> tuple[Driver, ...]:
    """The drivers of an answer's change from its two periods' cells: by channel and by
    campaign, and by kind when no channel is asked for."""
    splits = ["channel", "campaign"] + ([] if query.filters.channels else ["kind"])
    out: list[Driver] = []
    for by in splits:
        now = grouped_cells(current, by, catalog)
        before = grouped_cells(previous, by, catalog)
        out += explain_change(
            by,
            {key: (num * margin, den) for key, (num, den, _) in now.items()},
            {key: (num * margin, den) for key, (num, den, _) in before.items()},
            metric,
            _labels(by, catalog),
        )
    return tuple(out)


def driver_from_json(data: Mapping[str, Any]) -> Driver:
    """A driver stored as JSON (an alert's details) back as a Driver."""
    return Driver(
        str(data.get("by", "")),
        str(data.get("key", "")),
        str(data.get("label", data.get("key", ""))),
        float(data.get("effect") or 0.0),
        data.get("mix"),
        data.get("rate"),
        str(data.get("words", "")),
    )
