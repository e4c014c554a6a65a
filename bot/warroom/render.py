"""The war room as Block Kit: the digest, alert messages, the stand-up prompt and the App
Home sections. Every text goes through bot.core.blocks, so limits hold however many channels,
alerts and updates there are. Render functions take plain data; none opens a session."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock
from slack_sdk.models.views import View

from bot.core import blocks as kit
from bot.core.blocks import mention
from bot.core.i18n import DEFAULT_LANGUAGE, N_, Language, Msg, Words, words
from bot.core.money import whole_amounts
from bot.core.settings import Settings
from bot.metrics import (
    Driver,
    display_width,
    driver_from_json,
    drivers_text,
    find_metric,
    format_metric_value,
    format_span,
)
from bot.warroom.alerts import Alert
from bot.warroom.digest import COLUMNS, NOT_LOADED, PAID_ONLY, Cell, ChannelLine, Digest
from bot.warroom.headlines import Headlines
from bot.warroom.standup import RESOURCE_LABELS, Update

STANDUP_OPEN_ACTION = "standup_open"
ALERT_NUMBERS_ACTION = "alert_numbers"
MAX_UPDATE_TEXT = 300

EN: Language = DEFAULT_LANGUAGE
COLUMN_LABELS = {
    "spend": N_("Spend"),
    "new_customers": N_("New customers"),
    "cac": N_("CAC"),
    "revenue": N_("Revenue"),
    "roi": N_("ROI"),
    "retention": N_("D1"),
}
# Said after the label of a number that is a projection of young cohorts.
PROJECTED = N_("projected")
TEAM_LABELS = {"marketing": N_("Marketing"), "operations": N_("Operations")}
KIND_LABELS = {"paid": N_("paid"), "organic": N_("organic")}


def day_text(day: date, language: Language = EN) -> str:
    """ "Mon 2 Nov 2026" / "2026年11月2日 周一"."""
    return words(language).day(day, year=True, weekday=True)


def team_label(team: str, language: Language = EN) -> str:
    """ "Marketing", "Operations" (市场, 运营)."""
    return words(language)._(TEAM_LABELS.get(team, team.capitalize()))


def subject_text(subject: str, t: Words) -> str:
    """An alert's subject: a channel key, or "all channels"."""
    return t._("all channels") if subject == "all" else subject


def alert_summary(alert: Alert, language: Language = EN, resolved: bool = False) -> str:
    """What the alert's numbers said (when it opened, or when it resolved) in `language`."""
    key = "resolved_summary" if resolved else "summary"
    stored = alert.details.get(f"{key}_msg")
    if stored:
        return words(language).say(Msg.from_json(stored))
    return str(alert.details.get(key) or (alert.summary if resolved else ""))


# ------------------------------------------------------------------------------ digest


def _arrow(cell: Cell, good: str) -> str:
    change = cell.change
    if not cell.moved or change is None:
        return ""
    better = (change > 0) == (good == "up")
    return (":small_red_triangle: " if change > 0 else ":small_red_triangle_down: ") + (
        ":large_green_circle:" if better else ":red_circle:"
    )


def _cell_text(name: str, cell: Cell, digest: Digest, whole: bool | None, t: Words) -> str:
    metric = digest.metrics[name]
    label = t._(COLUMN_LABELS[name]) + (f" {t._(PROJECTED)}" if cell.projected else "")
    if cell.note:
        return f"{t._(COLUMN_LABELS[name])} _{t.say(cell.note)}_"
    value = format_metric_value(cell.value, metric, digest.currency, whole, t.language)
    average = format_metric_value(cell.average, metric, digest.currency, whole, t.language)
    moved = (
        f" ({_cell_change(cell, metric.unit, t)})" if cell.moved and cell.change is not None else ""
    )
    mark = _arrow(cell, metric.good)
    text = f"{label} *{value}* ({t._('7d {average}', average=average)}){moved}"
    return f"{mark} {text}" if mark else text


def _cell_change(cell: Cell, unit: str, t: Words) -> str:
    """A percent number's change in percentage points, others' in percent."""
    if unit == "percent" and cell.value is not None and cell.average is not None:
        return t._("{points:+.1f} pp", points=(cell.value - cell.average) * 100)
    return f"{(cell.change or 0) * 100:+.0f}%"


def _channel_line(line: ChannelLine, digest: Digest, whole: bool | None, t: Words) -> str:
    name = t._(line.name) if line.key == "all" else line.name
    kind = t._(KIND_LABELS.get(line.kind, line.kind))
    heading = f"*{name}*" + (f" ({kind})" if line.kind else "")
    if line.ltv_cac is not None:
        ltv_cac = format_metric_value(
            line.ltv_cac, digest_metric("ltv_cac"), digest.currency, None, t.language
        )
        projected = f" {t._(PROJECTED)}" if line.ltv_cac_projected else ""
        heading += f" · LTV/CAC 30d{projected} *{ltv_cac}*"
    names = [n for n in COLUMNS if line.kind != "organic" or n not in PAID_ONLY]
    cells = " · ".join(_cell_text(name, line.cells[name], digest, whole, t) for name in names)
    text = f"{heading}\n{cells}"
    for name in names:
        cell = line.cells[name]
        metric = digest.metrics[name]
        why = drivers_text(cell.drivers, metric, digest.currency, whole, t.language)
        if why:
            text += f"\n_{t._(COLUMN_LABELS[name])}_ · {why}"
    return text


def digest_whole(digest: Digest) -> bool:
    """One precision for every amount of money in the digest (see whole_amounts)."""
    amounts: list[float | None] = []
    lines = [*digest.channels, *([digest.total] if digest.total else [])]
    for line in lines:
        for name, cell in line.cells.items():
            if digest.metrics[name].unit == "currency":
                amounts += [cell.value, cell.average]
                amounts += [driver.effect for driver in cell.drivers]
    return whole_amounts(amounts, digest.currency)


def digest_metric(name: str) -> Any:
    """The metric definition of a digest column."""
    return find_metric(name)


def _loaded_text(digest: Digest, t: Words) -> str:
    parts = []
    for name, through in digest.loaded.items():
        parts.append(f"{name} {through.isoformat() if through else t._(NOT_LOADED)}")
    return t._("Data loaded through: {tables}", tables=", ".join(parts))


def alert_drivers(alert: Alert) -> list[Driver]:
    """The drivers an alert's numbers carry."""
    return [driver_from_json(data) for data in alert.details.get("drivers") or []]


def alert_why(alert: Alert, currency: str = "CNY", language: Language = EN) -> str | None:
    """ "Why: ..." for the number an alert reports (None when nothing moved it)."""
    name = alert.details.get("metric")
    metric = find_metric(name) if name else None
    return drivers_text(alert_drivers(alert), metric, currency, None, language)


def _owners(alert: Alert, t: Words, joiner: str = " + ") -> str:
    return joiner.join(team_label(team, t.language) for team in alert.playbook.owners)


def _alert_line(alert: Alert, t: Words) -> str:
    rule = alert.playbook
    text = t._(
        ":rotating_light: *{title}* · {subject} (since {day}) · owners: *{owners}* · {action}",
        title=t._(rule.title),
        subject=subject_text(alert.subject, t),
        day=t.day(alert.opened_at.date()),
        owners=_owners(alert, t),
        action=t._(rule.action),
    )
    text += f"\n{alert_summary(alert, t.language)}"
    if alert.command:
        text += f" · `{alert.command}`"
    why = alert_why(alert, language=t.language)
    if why:
        text += f"\n{why}"
    return text


def _resource_words(keys: tuple[str, ...], t: Words) -> list[str]:
    return [t._(RESOURCE_LABELS[key]).lower() for key in keys if key in RESOURCE_LABELS]


def update_line(update: Update, language: Language = EN) -> str:
    """One stand-up update as a bullet line."""
    t = words(language)
    clip = kit.clip
    bits: list[str] = []
    if update.team == "marketing":
        if update.campaign_id:
            name = update.campaign_name or update.campaign_id
            bits.append(t._("campaign *{name}*", name=name))
        if update.shipped:
            bits.append(t._("shipped: {text}", text=clip(update.shipped, MAX_UPDATE_TEXT)))
        if update.next_steps:
            bits.append(t._("next: {text}", text=clip(update.next_steps, MAX_UPDATE_TEXT)))
    else:
        ready = _resource_words(update.resources_ready, t)
        missing = _resource_words(update.resources_missing, t)
        shown = ", ".join(ready) if ready else t._("nothing yet")
        bits.append(t._("ready: {resources}", resources=shown))
        if missing:
            bits.append(t._("not ready: {resources}", resources=", ".join(missing)))
        if update.resources_note:
            bits.append(clip(update.resources_note, MAX_UPDATE_TEXT))
    if update.blockers:
        blockers = clip(update.blockers, MAX_UPDATE_TEXT)
        bits.append(t._(":construction: blockers: {text}", text=blockers))
    return f"• {mention(update.user_id)}: " + "; ".join(bits)


def _numbers_blocks(digest: Digest, t: Words) -> list[Block]:
    """The channel numbers of the digest, or the line saying there are none yet."""
    if not digest.has_numbers:
        return [
            kit.section(
                t._(
                    "_No growth data is loaded yet_: load it with `warroom import` "
                    "(or `warroom demo-data` to try the bot)."
                )
            )
        ]
    out: list[Block] = [
        kit.context(
            t._(
                "Numbers for *{day}* beside the 7 days before · D1 retention for sign-ups of "
                "{retention_day} · marked: what moved most",
                day=day_text(digest.day, t.language),
                retention_day=t.day(digest.retention_day),
            ),
            _loaded_text(digest, t),
        )
    ]
    missing = digest.missing_tables()
    if missing:
        out.append(
            kit.section(
                t._(
                    ":hourglass: Not loaded yet for {day}: {tables}. Those numbers are shown "
                    "as _not loaded yet_, not as zero.",
                    day=t.day(digest.day),
                    tables=", ".join(missing),
                )
            )
        )
    whole = digest_whole(digest)
    lines = [_channel_line(line, digest, whole, t) for line in digest.channels]
    if digest.total is not None:
        lines.append(_channel_line(digest.total, digest, whole, t))
    out.extend(kit.lines_to_sections(lines))
    return out


def digest_blocks(digest: Digest, language: Language = EN) -> list[Block]:
    """The digest's blocks: header, channel numbers, LTV/CAC, alerts, stand-ups, fund."""
    t = words(language)
    title = t._("War room · {day}", day=day_text(digest.date, language))
    out: list[Block] = [kit.header(title), *_numbers_blocks(digest, t)]
    out.append(DividerBlock())
    if digest.alerts:
        heading = t._("*Open alerts ({count})*", count=len(digest.alerts))
        out.extend(kit.lines_to_sections([heading] + [_alert_line(a, t) for a in digest.alerts]))
    else:
        out.append(kit.section(t._("*Open alerts*: none. The playbook is quiet.")))
    goals = [*digest.okr_lines, *digest.journey_lines]
    if goals:
        # The OKRs at risk and the journey step that fell most, each as its feature words it.
        out.extend(kit.lines_to_sections(goals))
    out.append(DividerBlock())
    out.extend(kit.lines_to_sections(_standup_lines(digest, t)))
    out.append(DividerBlock())
    out.extend(kit.lines_to_sections([t._("*Innovation fund*"), *digest.fund_lines]))
    footer = t._("Stand-up updates: `Post my update` on the morning prompt · `/warroom help`")
    if digest.trend:
        footer = t._("Revenue and spend by channel, 14 days: chart in the thread") + " · " + footer
    out.append(kit.context(footer))
    return out


def _standup_lines(digest: Digest, t: Words) -> list[str]:
    standups = digest.standups
    lines = [t._("*Stand-ups for {day}*", day=day_text(digest.date, t.language))]
    if standups is None or (not standups.updates and not standups.missing):
        lines.append(t._("_Nobody is in marketing or operations yet: `/warroom team add ...`_"))
        return lines
    for team in ("marketing", "operations"):
        updates = standups.by_team(team)
        missing = standups.missing_in(team)
        if not updates and not missing:
            continue
        lines.append(f"*{team_label(team, t.language)}*")
        lines.extend(update_line(u, t.language) for u in updates)
        if missing:
            people = ", ".join(mention(m.user_id) for m in missing)
            lines.append(t._("_Not posted yet:_ {people}", people=people))
    return lines


def digest_text(digest: Digest, language: Language = EN) -> str:
    """The notification text of the digest (what a phone shows)."""
    t = words(language)
    day = day_text(digest.date, language)
    if digest.alerts:
        return t._(
            "War room digest for {day}, {count} open alert(s)", day=day, count=len(digest.alerts)
        )
    return t._("War room digest for {day}", day=day)


def digest_message(digest: Digest, language: Language = EN) -> dict[str, Any]:
    """The digest as a chat message payload that fits Slack's limits."""
    return kit.message(digest_blocks(digest, language), digest_text(digest, language))


# ------------------------------------------------------------------------------ alerts


def _numbers_button(command: str, t: Words) -> ButtonElement:
    return ButtonElement(
        text=t._("Show the numbers"),
        action_id=ALERT_NUMBERS_ACTION,
        value=json.dumps({"q": command})[:2000],
    )


def alert_message(alert: Alert, kind: str, language: Language = EN) -> dict[str, Any]:
    """The message for an alert that opened, or (in its thread) that resolved."""
    t = words(language)
    rule = alert.playbook
    title = t._(rule.title)
    if alert.subject == "all":
        subject = t._("all channels")
    else:
        subject = t._("channel *{channel}*", channel=alert.subject)
    if kind == "resolved":
        now = alert_summary(alert, language, resolved=True)
        text = t._(
            ":white_check_mark: Resolved: {title} for {subject}. Now: {now}",
            title=title,
            subject=subject,
            now=now,
        )
        blocks: list[Block] = [kit.section(text)]
        if alert.command:
            blocks.append(kit.context(t._("Numbers: `{command}`", command=alert.command)))
        fallback = t._("Resolved: {title} ({subject})", title=title, subject=alert.subject)
        return kit.message(blocks, fallback)
    lines = [
        t._(
            ":rotating_light: *Playbook alert: {title}* for {subject}", title=title, subject=subject
        ),
        t._("*Owners:* {owners}", owners=_owners(alert, t, " · ")),
        t._("*What to do:* {action}", action=t._(rule.action)),
        t._("*Numbers:* {summary}", summary=alert_summary(alert, language)),
    ]
    why = alert_why(alert, language=language)
    if why:
        lines.append(f"*{why.replace(':', ':*', 1)}")
    if rule.steps:
        lines.append(f"*{t._(rule.steps_title)}:*")
        lines.extend(f":white_square: {t._(step)}" for step in rule.steps)
    blocks = [kit.section("\n".join(lines))]
    if alert.command:
        blocks.append(kit.context(t._("See the numbers: `{command}`", command=alert.command)))
        blocks.append(ActionsBlock(elements=[_numbers_button(alert.command, t)]))
    fallback = t._("Playbook alert: {title} ({subject})", title=title, subject=alert.subject)
    return kit.message(blocks, fallback)


# Details of an alert that are words, not its numbers.
_NOT_VALUES = {
    "summary",
    "summary_msg",
    "command",
    "drivers",
    "metric",
    "opened_summary",
    "resolved_summary",
    "resolved_summary_msg",
}


def alert_as_json(alert: Alert) -> dict[str, Any]:
    """An open alert for `warroom alerts --json`: rule, subject, title, owners, opened_at,
    values (its numbers) and drivers (of the number it reports)."""
    rule = alert.playbook
    return {
        "rule": alert.rule,
        "subject": alert.subject,
        "title": rule.title,
        "owners": list(rule.owners),
        "opened_at": alert.opened_at.isoformat(),
        "values": {k: v for k, v in alert.details.items() if k not in _NOT_VALUES},
        "drivers": [driver.as_json() for driver in alert_drivers(alert)],
    }


def alerts_text(alerts: list[Alert], currency: str, language: Language = EN) -> str:
    """The open alerts as a person reads them in a terminal, one paragraph each."""
    t = words(language)
    if not alerts:
        return t._("No open alerts: the playbook is quiet.")
    out = []
    for alert in alerts:
        rule = alert.playbook
        lines = [
            t._(
                "{title} · {subject} (since {moment}) · owners: {owners} · {action}",
                title=t._(rule.title),
                subject=subject_text(alert.subject, t),
                moment=f"{alert.opened_at:%Y-%m-%d %H:%M}",
                owners=_owners(alert, t),
                action=t._(rule.action),
            ),
            f"  {alert_summary(alert, language)}",
        ]
        why = alert_why(alert, currency, language)
        if why:
            lines.append(f"  {why}")
        if alert.command:
            lines.append("  " + t._("numbers: {command}", command=alert.command))
        out.append("\n".join(lines))
    return "\n\n".join(out)


# ------------------------------------------------------------------------------ stand-ups


def standup_prompt_message(
    day: date, settings: Settings, language: Language = EN
) -> dict[str, Any]:
    """The morning prompt with its "Post my update" button."""
    t = words(language)
    text = t._(
        ":sunrise: *Stand-up for {day}*\n*Marketing*: which campaign, what shipped, what's "
        "next.\n*Operations*: resources ready for incoming traffic (coupons, landing pages, "
        "support staffing, stock).\n*Both*: blockers. Updates can be edited until the digest "
        "at {time}.",
        day=day_text(day, language),
        time=settings.digest_time,
    )
    button = ButtonElement(
        text=t._("Post my update"),
        action_id=STANDUP_OPEN_ACTION,
        value=day.isoformat(),
        style="primary",
    )
    blocks: list[Block] = [kit.section(text), ActionsBlock(elements=[button])]
    fallback = t._("Stand-up for {day}: post your update", day=day_text(day, language))
    return kit.message(blocks, fallback)


# ------------------------------------------------------------------------------ App Home

HOME_TITLE = N_("War Room")
# What each column of the headline table is called (short, so the table fits a phone).
HOME_COLUMN_NAMES = {
    "spend": N_("Spend"),
    "new_customers": N_("New"),
    "cac": N_("CAC"),
    "revenue": N_("Revenue"),
    "roi": N_("ROI"),
    "ltv_cac": N_("LTV/CAC"),
}
MAX_ALERTS = 20
HOME_SECTION_NAMES = {"metrics": N_("metrics"), "alerts": N_("alerts"), "fund": N_("fund")}


def home_view(sections: list[list[Block]], language: Language = EN) -> dict[str, Any]:
    """The Home view: the sections in order, divided, within the 100-block limit."""
    blocks: list[Block] = [kit.header(words(language)._(HOME_TITLE))]
    for index, section_blocks in enumerate(sections):
        if index:
            blocks.append(DividerBlock())
        blocks.extend(section_blocks)
    fitted = kit.fit_blocks(blocks, kit.MAX_MODAL_BLOCKS)
    return View(type="home", blocks=fitted).to_dict()


def section_failed(name: str, language: Language = EN) -> list[Block]:
    """What a section that could not be loaded shows instead."""
    t = words(language)
    shown = t._(HOME_SECTION_NAMES.get(name, name))
    return [
        kit.context(t._(":warning: The {name} section could not be loaded just now.", name=shown))
    ]


def _column_name(metric: Any, t: Words) -> str:
    return t._(HOME_COLUMN_NAMES.get(metric.name, metric.label))


def headlines_section(headlines: Headlines, currency: str, language: Language = EN) -> list[Block]:
    """The headline metrics per channel as an aligned table, with the blended total."""
    t = words(language)
    period = headlines.period
    span = format_span(period.start, period.end, language)
    heading = t._("*Channels, last {days} days* ({span})", days=period.days, span=span)
    out: list[Block] = [kit.section(heading)]
    if not headlines.rows and all(v is None for v in headlines.total):
        out.append(kit.context(t.say(headlines.note) or t._("No growth data loaded yet.")))
        return out
    projected = headlines.projected or (False,) * len(headlines.metrics)
    names = [t._("Channel"), *(_column_name(m, t) for m in headlines.metrics)]
    money = [
        value
        for line in (*(row.values for row in headlines.rows), headlines.total)
        for value, metric in zip(line, headlines.metrics, strict=True)
        if metric.unit == "currency"
    ]
    whole = whole_amounts(money, currency)

    def shown(values: tuple[float | None, ...]) -> list[str]:
        return [
            "–" if v is None else format_metric_value(v, m, currency, whole, language)
            for v, m in zip(values, headlines.metrics, strict=True)
        ]

    table = [[row.label, *shown(row.values)] for row in headlines.rows]
    table.append([t._("All"), *shown(headlines.total)])
    widths = [max(display_width(r[i]) for r in [names, *table]) for i in range(len(names))]

    def line(cells: list[str]) -> str:
        first = cells[0] + " " * (widths[0] - display_width(cells[0]))
        rest = (
            " " * (width - display_width(cell)) + cell
            for cell, width in zip(cells[1:], widths[1:], strict=True)
        )
        return "  ".join([first, *rest])

    lines = [line(names), *(line(r) for r in table)]
    out.extend(kit.lines_to_sections(lines, code=True))
    small = []
    marked = [
        _column_name(m, t) for m, young in zip(headlines.metrics, projected, strict=True) if young
    ]
    if marked:
        small.append(
            t._("{columns}: projected to the full window (young cohorts)", columns=t.join(marked))
        )
    if headlines.data_through:
        through = format_span(headlines.data_through, headlines.data_through, language)
        small.append(t._("data through {day}", day=through))
    small.append(t._("ask `/metric list` for definitions"))
    out.append(kit.context(*small))
    return out


def _home_alert_line(alert: Alert, t: Words) -> str:
    rule = alert.playbook
    text = t._(
        ":rotating_light: *{title}* · {subject} · since {day}",
        title=t._(rule.title),
        subject=subject_text(alert.subject, t),
        day=alert.opened_at.date(),
    )
    text += f"\n{t._(rule.action)}"
    summary = alert_summary(alert, t.language)
    if summary:
        text += f"\n{summary}"
    if alert.command:
        text += f" · `{alert.command}`"
    why = alert_why(alert, language=t.language)
    if why:
        text += f"\n{why}"
    return text


def alerts_section(alerts: list[Alert], language: Language = EN) -> list[Block]:
    """The open playbook alerts (newest first), or a line saying there are none."""
    t = words(language)
    if not alerts:
        return [kit.section(t._("*Playbook alerts*\n:white_check_mark: No open alerts."))]
    shown = sorted(alerts, key=lambda a: a.opened_at, reverse=True)[:MAX_ALERTS]
    lines = [t._("*Playbook alerts* ({count} open)", count=len(alerts))]
    lines.extend(_home_alert_line(a, t) for a in shown)
    if len(alerts) > len(shown):
        lines.append(t._("_…and {count} more_", count=len(alerts) - len(shown)))
    return kit.lines_to_sections(lines)
