"""Numbers as people read them: money, percentages, "1:5.7", "3.4x", and whole answers as
text or JSON. No Block Kit here (bot/metrics/render.py builds blocks from these strings)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from bot.core.money import NO_DATA, format_money, is_finite
from bot.core.settings import Settings
from bot.metrics.query import Query
from bot.metrics.registry import METRICS, Metric, get_measure
from bot.metrics.result import Result


def format_count(value: float | None) -> str:
    """ "12,345"."""
    return f"{value:,.0f}" if is_finite(value) else NO_DATA


def format_percent(fraction: float | None, digits: int = 1) -> str:
    """0.342 -> "34.2%"."""
    return f"{fraction * 100:.{digits}f}%" if is_finite(fraction) else NO_DATA  # type: ignore[operator]


def format_metric_value(value: float | None, metric: Metric, currency: str) -> str:
    """A metric's value in its unit: money, "34.2%", "12,345", "1:5.7" (ROI), "3.4x"."""
    if not is_finite(value):
        return NO_DATA
    if metric.unit == "currency":
        return format_money(value, currency)
    if metric.unit == "percent":
        return format_percent(value)
    if metric.unit == "count":
        return format_count(value)
    if metric.display == "roi":
        return f"1:{value:.1f}"
    if metric.display == "multiple":
        return f"{value:.1f}x"
    return f"{value:,.2f}"


def metric_title(query: Query) -> str:
    """ "LTV · tiktok · last 30 days" style title of an answer."""
    metric = query.metric
    name = metric.label
    if metric.takes_day_n and query.day_n:
        name = f"D{query.day_n} {name.lower()}"
    parts = [name]
    scope = _filters_text(query)
    if scope:
        parts.append(scope)
    parts.append(_period_text(query))
    return " · ".join(parts)


def _filters_text(query: Query) -> str:
    filters = query.filters
    bits = []
    if filters.channels:
        bits.append(", ".join(filters.channels))
    if filters.campaigns:
        names = ["no campaign" if c == "" else c for c in filters.campaigns]
        bits.append("campaign " + ", ".join(names))
    if filters.kind:
        bits.append(filters.kind)
    return " / ".join(bits)


def _period_text(query: Query) -> str:
    period = query.period
    span = str(period.start) if period.days == 1 else f"{period.start} to {period.end}"
    label = period.label
    if label and label != span:
        return f"{label} ({span})"
    return span


def _change_text(change: float | None) -> str:
    if not is_finite(change):
        return ""
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="  # type: ignore[operator]
    return f"{arrow} {abs(change) * 100:.1f}%"  # type: ignore[arg-type]


def format_change_line(result: Result, currency: str) -> str | None:
    """ "▲ 12.3% vs previous period (¥1,234)", or None when there is nothing to compare."""
    query = result.query
    previous = query.comparison_period()
    if previous is None:
        return None
    metric = query.metric
    against = "vs a year earlier" if query.compare == "yoy" else "vs previous period"
    before = format_metric_value(result.previous_value, metric, currency)
    if result.value is None or result.previous_value is None:
        return f"{against} ({previous.start} to {previous.end}): {before}"
    change = result.change
    if change is None:
        return f"{against}: {before}"
    good = (change > 0) == (metric.good == "up")
    verdict = "" if change == 0 else (" (better)" if good else " (worse)")
    return f"{_change_text(change)} {against} ({before}){verdict}"


def context_parts(result: Result) -> list[str]:
    """Small print: sample size, maturity, data through, filters."""
    parts: list[str] = []
    metric = result.query.metric
    sample_word = get_measure(metric.sample).noun if metric.sample else "days"
    parts.append(f"n = {result.sample_size:,} {sample_word}")
    if result.maturity is not None and "mature" not in (result.note or ""):
        parts.append(f"cohort {result.maturity * 100:.0f}% mature")
    if result.data_through:
        parts.append(f"data through {result.data_through}")
    if result.query.by:
        parts.append(f"by {result.query.by}")
    return parts


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced font: CJK characters such as 抖音 take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def breakdown_lines(result: Result, currency: str) -> list[str]:
    """One aligned line per breakdown row: label, value, note."""
    metric = result.query.metric
    rows = [
        (row.label, format_metric_value(row.value, metric, currency), row.note)
        for row in result.breakdown
    ]
    if not rows:
        return []
    width = max(display_width(label) for label, _, _ in rows)
    out = []
    for label, value, note in rows:
        padding = " " * (width - display_width(label))
        line = f"{label}{padding}  {value}"
        if note:
            line += f"  ({note})"
        out.append(line)
    return out


def series_lines(result: Result, currency: str) -> list[str]:
    """One line per grain bucket: its first day and the value."""
    metric = result.query.metric
    return [
        f"{point.date.isoformat()}  {format_metric_value(point.value, metric, currency)}"
        for point in result.series
    ]


def result_as_text(result: Result, settings: Settings) -> str:
    """The whole answer as a person reads it in a terminal."""
    currency = settings.currency
    lines = [metric_title(result.query)]
    lines.append(format_metric_value(result.value, result.query.metric, currency))
    change = format_change_line(result, currency)
    if change:
        lines.append(change)
    if result.note:
        lines.append(result.note)
    lines.append(" · ".join(context_parts(result)))
    if result.breakdown:
        lines.append("")
        lines.extend(breakdown_lines(result, currency))
    if result.series:
        lines.append("")
        lines.extend(series_lines(result, currency))
    return "\n".join(lines)


def _number(value: float | None) -> float | int | None:
    if not is_finite(value):
        return None
    return value  # type: ignore[return-value]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def result_as_json(result: Result) -> dict[str, Any]:
    """The answer as one JSON-serialisable dict (raw, unrounded numbers; ISO dates)."""
    query = result.query
    previous = query.comparison_period()
    return {
        "metric": query.metric.name,
        "label": query.metric.label,
        "value": _number(result.value),
        "previous_value": _number(result.previous_value),
        "change": _number(result.change),
        "unit": query.metric.unit,
        "period": {"from": query.period.start.isoformat(), "to": query.period.end.isoformat()},
        "previous_period": (
            {"from": previous.start.isoformat(), "to": previous.end.isoformat()}
            if previous
            else None
        ),
        "filters": query.filters.as_dict(),
        "by": query.by,
        "grain": query.grain,
        "d": query.day_n,
        "breakdown": [
            {
                "key": row.key,
                "label": row.label,
                "value": _number(row.value),
                "numerator": _number(row.numerator),
                "denominator": _number(row.denominator),
                "note": row.note,
            }
            for row in result.breakdown
        ],
        "series": [{"date": p.date.isoformat(), "value": _number(p.value)} for p in result.series],
        "previous_series": [
            {"date": p.date.isoformat(), "value": _number(p.value)} for p in result.previous_series
        ],
        "note": result.note,
        "sample_size": result.sample_size,
        "maturity": _number(result.maturity),
        "data_through": _iso(result.data_through),
        "query": query.text,
    }


def metrics_list_text() -> str:
    """Every metric: name, aliases, unit, which way is good, and its formula."""
    lines = ["Metrics (ask with /metric NAME key=value ..., or the short commands):"]
    for metric in METRICS:
        also = f" (also {', '.join(metric.aliases)})" if metric.aliases else ""
        command = f" · {metric.slash_command}" if metric.slash_command else ""
        good = "higher is better" if metric.good == "up" else "lower is better"
        lines.append(f"• {metric.name}{also}{command} · {metric.unit}, {good}")
        lines.append(f"    {metric.formula}")
    lines.append(
        "Options: channel= campaign= kind=paid|organic by=channel|campaign|kind "
        "grain=day|week|month vs=prev|yoy|none d=N since=30d period=2026-10 from= to= "
        "yesterday last-week last-month mtd qtd"
    )
    return "\n".join(lines)
