"""The journey and the north-star card as Block Kit, text and JSON. Render functions take plain
data (a Funnel, the card's stars) and a language; none opens a session."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import Block

from bot.core import blocks as kit
from bot.core.i18n import N_, Language, words
from bot.journey.funnel import Funnel, Step
from bot.journey.northstar import Star
from bot.metrics import drivers_text, find_metric, format_metric_value, top_drivers

MINUS = "\u2212"
NOT_MEASURED = N_("not measured — import touchpoints")
# A built-in touchpoint whose facts are not loaded for the period.
NOT_LOADED = N_("no data loaded for this period")
TEAM_WORDS = {
    "marketing": N_("marketing"),
    "operations": N_("operations"),
    "joint": N_("joint"),
}
STAR_LIMIT_DRIVERS = 2


def team_word(team: str, language: Language = "en") -> str:
    """ "marketing", "operations", "joint" in `language`."""
    return words(language)._(TEAM_WORDS.get(team, team))


def _span(start: date, end: date) -> str:
    return str(start) if start == end else f"{start} to {end}"


def format_volume(value: float | None) -> str:
    """A touchpoint's volume: "12,345"."""
    return "—" if value is None else f"{value:,.0f}"


def format_rate(rate: float | None) -> str:
    """A conversion: "4.2%", "0.31%" under one percent, "×3.5" above 100%."""
    if rate is None:
        return "—"
    if rate > 1:
        return f"×{rate:,.1f}"
    if rate < 0.01:
        return f"{rate * 100:.2f}%"
    return f"{rate * 100:.1f}%"


def signed_percent(change: float) -> str:
    """ "+12%", "−85%" (a relative change)."""
    shown = f"{abs(change) * 100:.0f}"
    sign = "" if shown == "0" else "+" if change > 0 else MINUS
    return f"{sign}{shown}%"


def _step_line(step: Step, number: int, language: Language) -> str:
    t = words(language)
    point = step.point
    owner = team_word(point.owner, language)
    if step.value is None:
        missing = t._(NOT_LOADED if point.built_in else NOT_MEASURED)
        return f"{number}. {point.label(language)} · _{missing}_ · {owner}"
    parts = [f"{number}. *{point.label(language)}* {format_volume(step.value)}"]
    if step.value_change is not None:
        parts.append(t._("{change} vs before", change=signed_percent(step.value_change)))
    if step.source is not None and step.conversion is not None:
        rate = t._(
            "{rate} from {source}",
            rate=format_rate(step.conversion),
            source=step.source.label(language),
        )
        if step.conversion_change is not None:
            rate += f" ({signed_percent(step.conversion_change)})"
        parts.append(rate)
    parts.append(owner)
    return " · ".join(parts)


def drop_text(funnel: Funnel, language: Language = "en") -> str | None:
    """ "Biggest drop: landing page views → sign-ups, −85% vs the 7 days before, owner:
    operations", or None when no conversion fell."""
    if funnel.biggest_drop is None or funnel.previous is None:
        return None
    t = words(language)
    step = funnel.step(funnel.biggest_drop)
    assert step.source is not None and step.conversion_change is not None
    return t._(
        "Biggest drop: {source} → {target}, {change} vs the {days} days before, owner: {owner}",
        source=step.source.label(language),
        target=step.point.label(language),
        change=signed_percent(step.conversion_change),
        days=funnel.previous.days,
        owner=team_word(step.point.owner, language),
    )


def journey_lines(funnel: Funnel, language: Language = "en") -> list[str]:
    """The journey as lines: the title, each touchpoint (the hand-off marked), the biggest
    drop."""
    t = words(language)
    scope = ", ".join(funnel.channels) if funnel.channels else t._("all channels")
    period = funnel.period
    lines = [
        t._(
            "*User journey* · {scope} · {span} ({days} days)",
            scope=scope,
            span=_span(period.start, period.end),
            days=period.days,
        )
    ]
    if funnel.previous is not None:
        lines.append(
            t._(
                "_Changes against {span}; conversion from the previous measured touchpoint._",
                span=_span(funnel.previous.start, funnel.previous.end),
            )
        )
    current_owner = None
    for number, step in enumerate(funnel.steps, 1):
        if step.point.owner != current_owner:
            current_owner = step.point.owner
            if step.point.key == funnel.handoff:
                lines.append(t._("*Hand-off to operations* ↓"))
            else:
                lines.append(f"*{team_word(current_owner, language).capitalize()}*")
        lines.append(_step_line(step, number, language))
    drop = drop_text(funnel, language)
    lines.append(f":small_red_triangle_down: {drop}" if drop else t._("No conversion fell."))
    return lines


def journey_message(funnel: Funnel, language: Language = "en") -> dict[str, Any]:
    """The /journey answer as a message."""
    lines = journey_lines(funnel, language)
    return kit.message(kit.lines_to_sections(lines), lines[0].replace("*", ""))


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


def journey_json(funnel: Funnel) -> dict[str, Any]:
    """The journey as JSON: every touchpoint's volume and conversion now and before, the
    hand-off and the key of the biggest drop."""
    previous = funnel.previous
    return {
        "journey": [
            {
                "key": step.point.key,
                "label": step.point.en,
                "owner": step.point.owner,
                "value": _number(step.value),
                "previous_value": _number(step.previous_value),
                "conversion": step.conversion,
                "previous_conversion": step.previous_conversion,
            }
            for step in funnel.steps
        ],
        "handoff": funnel.handoff,
        "biggest_drop": funnel.biggest_drop,
        "period": {"from": funnel.period.start.isoformat(), "to": funnel.period.end.isoformat()},
        "previous_period": (
            None
            if previous is None
            else {"from": previous.start.isoformat(), "to": previous.end.isoformat()}
        ),
        "channel": list(funnel.channels),
    }


# ------------------------------------------------------------------------------ north star


def _change(star: Star, language: Language) -> str:
    result = star.result
    metric = result.query.metric
    t = words(language)
    if result.value is None or result.previous_value is None:
        return ""
    if metric.unit == "percent":
        points = (result.value - result.previous_value) * 100
        arrow = "▲" if points > 0 else "▼" if points < 0 else "="
        said = t._("{points:.1f} pp", points=abs(points))
    else:
        change = result.change
        if change is None:
            return ""
        arrow = "▲" if change > 0 else "▼" if change < 0 else "="
        said = f"{abs(change) * 100:.1f}%"
        points = change
    better = (points > 0) == (metric.good == "up")
    verdict = "" if points == 0 else t._("better") if better else t._("worse")
    return t._(
        "{arrow} {change} vs the previous period ({verdict})",
        arrow=arrow,
        change=said,
        verdict=verdict,
    ).replace(" ()", "")


def star_lines(star: Star, currency: str, language: Language = "en") -> list[str]:
    """One number of the card: label, value, change, owner; and what drove it."""
    t = words(language)
    metric = find_metric(star.name)
    assert metric is not None
    result = star.result
    value = format_metric_value(star.value, metric, currency, language=language)
    label = t._(metric.label)
    if result.so_far and result.projected_value is not None:
        label = t._("{label} (projected)", label=label)
    head = f"*{label}* {value}"
    change = _change(star, language)
    bits = [
        head,
        *([change] if change else []),
        t._("owner: {team}", team=team_word(star.owner, language)),
    ]
    lines = [" · ".join(bits)]
    if result.value is None and result.note:
        lines.append(f"_{t.say(result.note)}_")
    shown = top_drivers(result.drivers, None, STAR_LIMIT_DRIVERS)
    why = drivers_text(shown, metric, currency, language=language)
    if why:
        lines.append(f"   {why}")
    return lines


def northstar_lines(stars: list[Star], currency: str, language: Language = "en") -> list[str]:
    """The card as lines, under its title."""
    t = words(language)
    lines = [t._("*North star*")]
    if stars:
        period = stars[0].result.query.period
        lines[0] += f" · {_span(period.start, period.end)}"
    for star in stars:
        lines.extend(star_lines(star, currency, language))
    return lines


def northstar_message(stars: list[Star], currency: str, language: Language = "en") -> dict:
    """The /northstar answer as a message."""
    lines = northstar_lines(stars, currency, language)
    return kit.message(kit.lines_to_sections(lines), lines[0].replace("*", ""))


def home_blocks(stars: list[Star], currency: str, language: Language = "en") -> list[Block]:
    """The App Home north-star section."""
    return kit.lines_to_sections(northstar_lines(stars, currency, language))
