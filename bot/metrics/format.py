"""Numbers as people read them: money, percentages, "1:5.7", "3.4x", and whole answers as
text or JSON, in the reader's language. No Block Kit here (bot/metrics/render.py builds blocks
from these strings)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.core.i18n import DEFAULT_LANGUAGE, N_, Language, Text, Words, words
from bot.core.money import NO_DATA, format_money, is_finite, whole_amounts
from bot.core.settings import Settings
from bot.metrics.drivers import Driver
from bot.metrics.query import Period, Query
from bot.metrics.registry import METRICS, Metric, get_measure
from bot.metrics.result import Result

MINUS = "\u2212"
# The splits the "Why:" line prefers, in order, after the one the question asked for.
WHY_SPLITS = ("channel", "campaign", "kind")
WHY_DRIVERS = 3
EN: Language = DEFAULT_LANGUAGE
# The words of the kinds of channel and the splits, for titles and small print.
KIND_WORDS = {"paid": N_("paid"), "organic": N_("organic")}
SPLIT_WORDS = {"channel": N_("by channel"), "campaign": N_("by campaign"), "kind": N_("by kind")}


def format_count(value: float | None, language: Language = EN) -> str:
    """ "12,345"."""
    return f"{value:,.0f}" if is_finite(value) else words(language)._(NO_DATA)


def format_percent(fraction: float | None, digits: int = 1, language: Language = EN) -> str:
    """0.342 -> "34.2%"."""
    if not is_finite(fraction):
        return words(language)._(NO_DATA)
    return f"{fraction * 100:.{digits}f}%"  # type: ignore[operator]


def format_hours(hours: float, language: Language = EN) -> str:
    """A duration in hours: "4.3 h" ("4.3小时")."""
    return words(language)._("{hours:,.1f} h", hours=hours)


def format_metric_value(
    value: float | None,
    metric: Metric,
    currency: str,
    whole: bool | None = None,
    language: Language = EN,
) -> str:
    """A metric's value in its unit: money, "34.2%", "12,345", "1:5.7" (ROI), "3.4x".
    `whole`: money in whole units (True) or with cents (False), as the rest of the answer."""
    if not is_finite(value):
        return words(language)._(NO_DATA)
    if metric.unit == "currency":
        return format_money(value, currency, whole, language)
    if metric.unit == "percent":
        return format_percent(value)
    if metric.unit == "count":
        return format_count(value)
    if metric.unit == "hours":
        return format_hours(value, language)
    if metric.display == "roi":
        return f"1:{value:.1f}"
    if metric.display == "multiple":
        return f"{value:.1f}x"
    return f"{value:,.2f}"


def metric_name(metric: Metric, language: Language = EN, day_n: int | None = None) -> str:
    """A metric's label in `language` ("CAC", "获客成本"), "D7 retention" for a day N."""
    t = words(language)
    name = t._(metric.label)
    if metric.takes_day_n and day_n:
        return t._("D{n} {metric}", n=day_n, metric=name.lower())
    return name


def metric_title(query: Query, language: Language = EN) -> str:
    """ "LTV · tiktok · last 30 days" style title of an answer."""
    parts = [metric_name(query.metric, language, query.day_n)]
    scope = _filters_text(query, words(language))
    if scope:
        parts.append(scope)
    parts.append(period_text(query.period, language))
    return " · ".join(parts)


def _filters_text(query: Query, t: Words) -> str:
    filters = query.filters
    bits = []
    if filters.channels:
        bits.append(", ".join(filters.channels))
    if filters.campaigns:
        names = [t._("no campaign") if c == "" else c for c in filters.campaigns]
        bits.append(t._("campaign {names}", names=", ".join(names)))
    if filters.kind:
        bits.append(t._(KIND_WORDS.get(filters.kind, filters.kind)))
    return " / ".join(bits)


def format_span(start: date, end: date, language: Language = EN) -> str:
    """ "2026-10-01 to 2026-10-31"; in Chinese "2026年10月1日至10月31日"."""
    if language == "zh":
        t = words(language)
        first = t.day(start, year=True)
        if start == end:
            return first
        return f"{first}至{t.day(end, year=end.year != start.year)}"
    return str(start) if start == end else f"{start} to {end}"


def period_text(period: Period, language: Language = EN) -> str:
    """The period's name and its days: "last week (2026-10-19 to 2026-10-25)"."""
    span = format_span(period.start, period.end, language)
    label = words(language).say(period.label)
    if label and label != span:
        return f"{label} ({span})"
    return span


def change_text(change: float | None, metric: Metric, language: Language = EN) -> str:
    """ "▲ 12.3%" for money, counts and ratios (a relative change); "▼ 1.3 pp" for a percent
    metric, whose `change` is then in percentage points."""
    if not is_finite(change):
        return ""
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="  # type: ignore[operator]
    if metric.unit == "percent":
        return f"{arrow} " + words(language)._("{points:.1f} pp", points=abs(change))  # type: ignore[arg-type]
    return f"{arrow} {abs(change) * 100:.1f}%"  # type: ignore[arg-type]


def format_change_line(
    result: Result, currency: str, whole: bool | None = None, language: Language = EN
) -> str | None:
    """ "▲ 12.3% vs previous period (¥1,234)", or None when there is nothing to compare."""
    t = words(language)
    query = result.query
    previous = query.comparison_period()
    if previous is None:
        return None
    metric = query.metric
    against = t._("vs a year earlier") if query.compare == "yoy" else t._("vs previous period")
    before = format_metric_value(result.previous_value, metric, currency, whole, language)
    same_age = " · " + t._("compared at the same age") if result.same_age else ""
    if result.value is None or result.previous_value is None:
        span = format_span(previous.start, previous.end, language)
        return f"{against} ({span}): {before}"
    points = metric.unit == "percent"
    change = result.change_points if points else result.change
    if change is None:
        return f"{against}: {before}{same_age}"
    good = (change > 0) == (metric.good == "up")
    verdict = "" if change == 0 else " " + (t._("(better)") if good else t._("(worse)"))
    return f"{change_text(change, metric, language)} {against} ({before}){verdict}{same_age}"


def answer_whole(result: Result, currency: str) -> bool | None:
    """The one precision of an answer's money amounts (see whole_amounts); None when the
    metric is not money."""
    if result.query.metric.unit != "currency":
        return None
    amounts = [result.value, result.previous_value, result.projected_value]
    amounts += [row.value for row in result.breakdown]
    amounts += [row.projected_value for row in result.breakdown]
    amounts += [point.value for point in (*result.series, *result.previous_series)]
    # The drivers' effects are shown in the precision the values chose.
    return whole_amounts(amounts, currency)


def headline(
    result: Result, currency: str, whole: bool | None = None, language: Language = EN
) -> str:
    """The value, and for young cohorts their maturity and projection:
    "¥141 so far, 8% mature · projected ¥302 at 180 days"."""
    t = words(language)
    metric = result.query.metric
    value = format_metric_value(result.value, metric, currency, whole, language)
    if not result.so_far or result.value is None:
        return value
    maturity = (
        "" if result.maturity is None else t._(", {share:.0f}% mature", share=result.maturity * 100)
    )
    if result.projected_value is None:
        return t._("{value} so far{maturity} · no projection yet", value=value, maturity=maturity)
    projected = format_metric_value(result.projected_value, metric, currency, whole, language)
    return t._(
        "{value} so far{maturity} · projected {projected} at {days} days",
        value=value,
        maturity=maturity,
        projected=projected,
        days=result.window_days,
    )


def signed_amount(
    amount: float, metric: Metric, currency: str, whole: bool | None, language: Language = EN
) -> str:
    """An effect on a metric: "+¥11.20", "−¥1.30", "+1.2 pp", "+0.3" (ROI), "−0.2x", "+12"."""
    sign = "+" if amount > 0 else MINUS if amount < 0 else ""
    size = abs(amount)
    if metric.unit == "currency":
        shown = format_money(size, currency, whole, language)
    elif metric.unit == "percent":
        shown = words(language)._("{points:.1f} pp", points=size * 100)
    elif metric.unit == "count":
        shown = f"{size:,.0f}"
    elif metric.unit == "hours":
        shown = format_hours(size, language)
    elif metric.display == "multiple":
        shown = f"{size:.1f}x"
    else:
        shown = f"{size:.1f}" if metric.display == "roi" else f"{size:,.2f}"
    if not any(digit in shown for digit in "123456789"):
        # Rounded to nothing: no sign, and drivers_text leaves it out.
        sign = ""
    return f"{sign}{shown}"


def shown_drivers(result: Result, count: int = WHY_DRIVERS) -> list[Driver]:
    """The drivers the "Why:" line names: the largest of the split the question asked for
    (by=), else by channel, else by campaign (a split of one row says nothing)."""
    return top_drivers(result.drivers, result.query.by, count)


def top_drivers(
    drivers: Sequence[Driver], by: str | None, count: int = WHY_DRIVERS
) -> list[Driver]:
    """The `count` largest drivers of the first split with more than one moving row: `by`,
    then WHY_SPLITS; when every split has one row, the campaign's (the most specific)."""
    order = ([by] if by else []) + [split for split in WHY_SPLITS if split != by]
    moving = {
        split: [driver for driver in drivers if driver.by == split and driver.effect]
        for split in order
    }
    for split in order:
        if len(moving[split]) > 1:
            return sorted(moving[split], key=lambda d: -abs(d.effect))[:count]
    for split in ("campaign", *order):
        if moving.get(split):
            return moving[split][:count]
    return []


def drivers_text(
    drivers: Sequence[Driver],
    metric: Metric | None,
    currency: str,
    whole: bool | None = None,
    language: Language = EN,
) -> str | None:
    """ "Why: baidu +¥11.20 (more of the mix), wechat +¥2.10 (dearer), tiktok −¥1.30"; None
    when no driver moved the number as shown. Without a metric the effects are counts."""
    t = words(language)
    parts = []
    for driver in drivers:
        if metric is None:
            size = f"{abs(driver.effect):,.0f}"
            sign = "" if size == "0" else "+" if driver.effect > 0 else MINUS
            effect = sign + size
        else:
            effect = signed_amount(driver.effect, metric, currency, whole, language)
        if not effect.startswith(("+", MINUS)):
            continue
        name = driver.label if driver.by == "campaign" else driver.key
        if driver.key == "none":
            name = t._("no campaign") if driver.by == "campaign" else t._("none")
        elif driver.by == "kind":
            name = t._(KIND_WORDS.get(driver.key, driver.key))
        parts.append(f"{name} {effect}" + (f" ({t._(driver.words)})" if driver.words else ""))
    return t._("Why: {drivers}", drivers=", ".join(parts)) if parts else None


def why_line(
    result: Result, currency: str, whole: bool | None = None, language: Language = EN
) -> str | None:
    """The answer's "Why:" line (see drivers_text), or None."""
    return drivers_text(shown_drivers(result), result.query.metric, currency, whole, language)


def context_parts(result: Result, language: Language = EN) -> list[str]:
    """Small print: sample size, maturity, data through, filters."""
    t = words(language)
    parts: list[str] = []
    metric = result.query.metric
    noun = get_measure(metric.sample).noun if metric.sample else N_("days")
    parts.append(t._("n = {count:,} {noun}", count=result.sample_size, noun=t._(noun)))
    note = str(result.note or "")
    if result.maturity is not None and not result.so_far and "mature" not in note:
        parts.append(t._("cohort {share:.0f}% mature", share=result.maturity * 100))
    if result.data_through:
        parts.append(t._("data through {day}", day=_day(result.data_through, language)))
    if result.query.by:
        parts.append(t._(SPLIT_WORDS.get(result.query.by, result.query.by)))
    return parts


def _day(day: date, language: Language) -> str:
    return words(language).day(day, year=True) if language == "zh" else str(day)


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced font: CJK characters such as 抖音 take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def breakdown_lines(
    result: Result, currency: str, whole: bool | None = None, language: Language = EN
) -> list[str]:
    """One aligned line per breakdown row: label, value (and its projection), note."""
    t = words(language)
    metric = result.query.metric
    rows = []
    for row in result.breakdown:
        value = format_metric_value(row.value, metric, currency, whole, language)
        if result.so_far and row.projected_value is not None:
            projected = format_metric_value(row.projected_value, metric, currency, whole, language)
            value = t._("{value} so far · projected {projected}", value=value, projected=projected)
        label = row.label
        if row.key == "none" and result.query.by == "campaign":
            label = t._("no campaign")
        elif result.query.by == "kind":
            label = t._(KIND_WORDS.get(row.key, row.label))
        rows.append((label, value, t.say(row.note) if row.note else None))
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


def series_lines(
    result: Result, currency: str, whole: bool | None = None, language: Language = EN
) -> list[str]:
    """One line per grain bucket: its first day and the value."""
    metric = result.query.metric
    return [
        f"{point.date.isoformat()}  "
        + format_metric_value(point.value, metric, currency, whole, language)
        for point in result.series
    ]


def note_text(note: Text | None, language: Language = EN) -> str | None:
    """The answer's note in `language` (None when there is none)."""
    return words(language).say(note) if note else None


def result_as_text(result: Result, settings: Settings, language: Language = EN) -> str:
    """The whole answer as a person reads it in a terminal."""
    currency = settings.currency
    whole = answer_whole(result, currency)
    lines = [metric_title(result.query, language), headline(result, currency, whole, language)]
    change = format_change_line(result, currency, whole, language)
    if change:
        lines.append(change)
    why = why_line(result, currency, whole, language)
    if why:
        lines.append(why)
    note = note_text(result.note, language)
    if note:
        lines.append(note)
    lines.append(" · ".join(context_parts(result, language)))
    if result.breakdown:
        lines.append("")
        lines.extend(breakdown_lines(result, currency, whole, language))
    if result.series:
        lines.append("")
        lines.extend(series_lines(result, currency, whole, language))
    return "\n".join(lines)


def _number(value: float | None) -> float | int | None:
    if not is_finite(value):
        return None
    return value  # type: ignore[return-value]


def _driver_json(driver: Driver) -> dict[str, Any]:
    data = driver.as_json()
    for name in ("effect", "mix", "rate"):
        data[name] = _number(data[name])
    return data


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
        "change_points": _number(result.change_points),
        "projected_value": _number(result.projected_value),
        "window_days": result.window_days,
        "so_far": result.so_far,
        "same_age": result.same_age,
        "drivers": [_driver_json(driver) for driver in result.drivers],
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
                "note": None if row.note is None else str(row.note),
                "projected_value": _number(row.projected_value),
            }
            for row in result.breakdown
        ],
        "series": [{"date": p.date.isoformat(), "value": _number(p.value)} for p in result.series],
        "previous_series": [
            {"date": p.date.isoformat(), "value": _number(p.value)} for p in result.previous_series
        ],
        "note": None if result.note is None else str(result.note),
        "sample_size": result.sample_size,
        "maturity": _number(result.maturity),
        "data_through": _iso(result.data_through),
        "query": query.text,
    }


def metrics_list_text(language: Language = EN) -> str:
    """Every metric: name, aliases, unit, which way is good, and its formula."""
    t = words(language)
    units = {
        "currency": t._("money"),
        "ratio": t._("ratio"),
        "percent": t._("percent"),
        "count": t._("count"),
    }
    lines = [t._("Metrics (ask with /metric NAME key=value ..., or the short commands):")]
    for metric in METRICS:
        also = t._(" (also {names})", names=", ".join(metric.aliases)) if metric.aliases else ""
        command = f" · {metric.slash_command}" if metric.slash_command else ""
        good = t._("higher is better") if metric.good == "up" else t._("lower is better")
        unit = units.get(metric.unit, metric.unit)
        label = t._(metric.label)
        lines.append(f"• {metric.name}{also}{command} · {label} · {unit}, {good}")
        lines.append(f"    {t._(metric.formula)}")
    lines.append(
        t._("Options:") + " channel= campaign= kind=paid|organic by=channel|campaign|kind "
        "grain=day|week|month vs=prev|yoy|none d=N since=30d period=2026-10 from= to= "
        "yesterday last-week last-month mtd qtd"
    )
    return "\n".join(lines)
