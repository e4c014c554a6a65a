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
from bot.core.money import whole_amounts
from bot.core.settings import Settings
from bot.metrics import Driver, driver_from_json, drivers_text, find_metric, format_metric_value
from bot.warroom.alerts import Alert
from bot.warroom.digest import COLUMNS, NOT_LOADED, PAID_ONLY, Cell, ChannelLine, Digest
from bot.warroom.headlines import Headlines
from bot.warroom.standup import RESOURCE_LABELS, Update

STANDUP_OPEN_ACTION = "standup_open"
ALERT_NUMBERS_ACTION = "alert_numbers"
MAX_UPDATE_TEXT = 300

COLUMN_LABELS = {
    "spend": "Spend",
    "new_customers": "New customers",
    "cac": "CAC",
    "revenue": "Revenue",
    "roi": "ROI",
    "retention": "D1",
}
# Said after the label of a number that is a projection of young cohorts.
PROJECTED = "projected"


def day_text(day: date) -> str:
    """ "Mon 2 Nov 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def team_label(team: str) -> str:
    """ "Marketing", "Operations"."""
    return team.capitalize()


# ------------------------------------------------------------------------------ digest


def _arrow(cell: Cell, good: str) -> str:
    change = cell.change
    if not cell.moved or change is None:
        return ""
    better = (change > 0) == (good == "up")
    return (":small_red_triangle: " if change > 0 else ":small_red_triangle_down: ") + (
        ":large_green_circle:" if better else ":red_circle:"
    )


def _cell_text(name: str, cell: Cell, digest: Digest, whole: bool | None) -> str:
    metric = digest.metrics[name]
    label = COLUMN_LABELS[name] + (f" {PROJECTED}" if cell.projected else "")
    if cell.note:
        return f"{COLUMN_LABELS[name]} _{cell.note}_"
    value = format_metric_value(cell.value, metric, digest.currency, whole)
    average = format_metric_value(cell.average, metric, digest.currency, whole)
    moved = (
        f" ({_cell_change(cell, metric.unit)})" if cell.moved and cell.change is not None else ""
    )
    mark = _arrow(cell, metric.good)
    text = f"{label} *{value}* (7d {average}){moved}"
    return f"{mark} {text}" if mark else text


def _cell_change(cell: Cell, unit: str) -> str:
    """A percent number's change in percentage points, others' in percent."""
    if unit == "percent" and cell.value is not None and cell.average is not None:
        return f"{(cell.value - cell.average) * 100:+.1f} pp"
    return f"{(cell.change or 0) * 100:+.0f}%"


def _channel_line(line: ChannelLine, digest: Digest, whole: bool | None) -> str:
    heading = f"*{line.name}*" + (f" ({line.kind})" if line.kind else "")
    if line.ltv_cac is not None:
        ltv_cac = format_metric_value(line.ltv_cac, digest_metric("ltv_cac"), digest.currency)
        projected = f" {PROJECTED}" if line.ltv_cac_projected else ""
        heading += f" · LTV/CAC 30d{projected} *{ltv_cac}*"
    names = [n for n in COLUMNS if line.kind != "organic" or n not in PAID_ONLY]
    cells = " · ".join(_cell_text(name, line.cells[name], digest, whole) for name in names)
    text = f"{heading}\n{cells}"
    for name in names:
        cell = line.cells[name]
        why = drivers_text(cell.drivers, digest.metrics[name], digest.currency, whole)
        if why:
            text += f"\n_{COLUMN_LABELS[name]}_ · {why}"
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


def _loaded_text(digest: Digest) -> str:
    parts = []
    for name, through in digest.loaded.items():
        parts.append(f"{name} {through.isoformat() if through else NOT_LOADED}")
    return "Data loaded through: " + ", ".join(parts)


def alert_drivers(alert: Alert) -> list[Driver]:
    """The drivers an alert's numbers carry."""
    return [driver_from_json(data) for data in alert.details.get("drivers") or []]


def alert_why(alert: Alert, currency: str = "CNY") -> str | None:
    """ "Why: ..." for the number an alert reports (None when nothing moved it)."""
    name = alert.details.get("metric")
    metric = find_metric(name) if name else None
    return drivers_text(alert_drivers(alert), metric, currency)


def _alert_line(alert: Alert) -> str:
    rule = alert.playbook
    owners = " + ".join(team_label(t) for t in rule.owners)
    subject = "all channels" if alert.subject == "all" else alert.subject
    text = (
        f":rotating_light: *{rule.title}* · {subject} (since {alert.opened_at:%d %b}) "
        f"· owners: *{owners}* · {rule.action}\n{alert.summary}"
    )
    if alert.command:
        text += f" · `{alert.command}`"
    why = alert_why(alert)
    if why:
        text += f"\n{why}"
    return text


def update_line(update: Update) -> str:
    """One stand-up update as a bullet line."""
    clip = kit.clip
    bits: list[str] = []
    if update.team == "marketing":
        if update.campaign_id:
            bits.append(f"campaign *{update.campaign_name or update.campaign_id}*")
        if update.shipped:
            bits.append(f"shipped: {clip(update.shipped, MAX_UPDATE_TEXT)}")
        if update.next_steps:
            bits.append(f"next: {clip(update.next_steps, MAX_UPDATE_TEXT)}")
    else:
        ready = [RESOURCE_LABELS[k].lower() for k in update.resources_ready]
        missing = [RESOURCE_LABELS[k].lower() for k in update.resources_missing]
        bits.append("ready: " + (", ".join(ready) if ready else "nothing yet"))
        if missing:
            bits.append("not ready: " + ", ".join(missing))
        if update.resources_note:
            bits.append(clip(update.resources_note, MAX_UPDATE_TEXT))
    if update.blockers:
        bits.append(f":construction: blockers: {clip(update.blockers, MAX_UPDATE_TEXT)}")
    return f"• {mention(update.user_id)}: " + "; ".join(bits)


def digest_blocks(digest: Digest) -> list[Block]:
    """The digest's blocks: header, channel numbers, LTV/CAC, alerts, stand-ups, fund."""
    out: list[Block] = [kit.header(f"War room · {day_text(digest.date)}")]
    if not digest.has_numbers:
        out.append(
            kit.section(
                "_No growth data is loaded yet_: load it with `warroom import` "
                "(or `warroom demo-data` to try the bot)."
            )
        )
    else:
        out.append(
            kit.context(
                f"Numbers for *{day_text(digest.day)}* beside the 7 days before · D1 retention for "
                f"sign-ups of {digest.retention_day:%d %b} · marked: what moved most",
                _loaded_text(digest),
            )
        )
        missing = digest.missing_tables()
        if missing:
            out.append(
                kit.section(
                    f":hourglass: Not loaded yet for {digest.day:%d %b}: {', '.join(missing)}."
                    " Those numbers are shown as _not loaded yet_, not as zero."
                )
            )
        whole = digest_whole(digest)
        lines = [_channel_line(line, digest, whole) for line in digest.channels]
        if digest.total is not None:
            lines.append(_channel_line(digest.total, digest, whole))
        out.extend(kit.lines_to_sections(lines))
    out.append(DividerBlock())
    if digest.alerts:
        out.extend(
            kit.lines_to_sections(
                [f"*Open alerts ({len(digest.alerts)})*"] + [_alert_line(a) for a in digest.alerts]
            )
        )
    else:
        out.append(kit.section("*Open alerts*: none. The playbook is quiet."))
    out.append(DividerBlock())
    out.extend(kit.lines_to_sections(_standup_lines(digest)))
    out.append(DividerBlock())
    out.extend(kit.lines_to_sections(["*Innovation fund*", *digest.fund_lines]))
    footer = "Stand-up updates: `Post my update` on the morning prompt · `/warroom help`"
    if digest.trend:
        footer = "Revenue and spend by channel, 14 days: chart in the thread · " + footer
    out.append(kit.context(footer))
    return out


def _standup_lines(digest: Digest) -> list[str]:
    standups = digest.standups
    lines = [f"*Stand-ups for {day_text(digest.date)}*"]
    if standups is None or (not standups.updates and not standups.missing):
        lines.append("_Nobody is in marketing or operations yet: `/warroom team add ...`_")
        return lines
    for team in ("marketing", "operations"):
        updates = standups.by_team(team)
        missing = standups.missing_in(team)
        if not updates and not missing:
            continue
        lines.append(f"*{team_label(team)}*")
        lines.extend(update_line(u) for u in updates)
        if missing:
            lines.append("_Not posted yet:_ " + ", ".join(mention(m.user_id) for m in missing))
    return lines


def digest_text(digest: Digest) -> str:
    """The notification text of the digest (what a phone shows)."""
    alerts = f", {len(digest.alerts)} open alert(s)" if digest.alerts else ""
    return f"War room digest for {day_text(digest.date)}{alerts}"


def digest_message(digest: Digest) -> dict[str, Any]:
    """The digest as a chat message payload that fits Slack's limits."""
    return kit.message(digest_blocks(digest), digest_text(digest))


# ------------------------------------------------------------------------------ alerts


def _numbers_button(command: str) -> ButtonElement:
    return ButtonElement(
        text="Show the numbers",
        action_id=ALERT_NUMBERS_ACTION,
        value=json.dumps({"q": command})[:2000],
    )


def alert_message(alert: Alert, kind: str) -> dict[str, Any]:
    """The message for an alert that opened, or (in its thread) that resolved."""
    rule = alert.playbook
    subject = "all channels" if alert.subject == "all" else f"channel *{alert.subject}*"
    owners = " and ".join(f"*{team_label(t)}*" for t in rule.owners)
    if kind == "resolved":
        now = alert.details.get("resolved_summary") or alert.summary
        text = f":white_check_mark: Resolved: {rule.title} for {subject}. Now: {now}"
        blocks: list[Block] = [kit.section(text)]
        if alert.command:
            blocks.append(kit.context(f"Numbers: `{alert.command}`"))
        return kit.message(blocks, f"Resolved: {rule.title} ({alert.subject})")
    lines = [
        f":rotating_light: *Playbook alert: {rule.title}* for {subject}",
        f"*Owners:* {owners}",
        f"*What to do:* {rule.action}",
        f"*Numbers:* {alert.summary}",
    ]
    why = alert_why(alert)
    if why:
        lines.append(f"*{why.replace('Why:', 'Why:*', 1)}")
    if rule.steps:
        lines.append(f"*{rule.steps_title}:*")
        lines.extend(f":white_square: {step}" for step in rule.steps)
    blocks = [kit.section("\n".join(lines))]
    if alert.command:
        blocks.append(kit.context(f"See the numbers: `{alert.command}`"))
        blocks.append(ActionsBlock(elements=[_numbers_button(alert.command)]))
    return kit.message(blocks, f"Playbook alert: {rule.title} ({alert.subject})")


# Details of an alert that are words, not its numbers.
_NOT_VALUES = {"summary", "command", "drivers", "metric", "opened_summary", "resolved_summary"}


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


def alerts_text(alerts: list[Alert], currency: str) -> str:
    """The open alerts as a person reads them in a terminal, one paragraph each."""
    if not alerts:
        return "No open alerts: the playbook is quiet."
    out = []
    for alert in alerts:
        rule = alert.playbook
        subject = "all channels" if alert.subject == "all" else alert.subject
        owners = " + ".join(team_label(t) for t in rule.owners)
        lines = [
            f"{rule.title} · {subject} (since {alert.opened_at:%Y-%m-%d %H:%M}) · "
            f"owners: {owners} · {rule.action}",
            f"  {alert.summary}",
        ]
        why = alert_why(alert, currency)
        if why:
            lines.append(f"  {why}")
        if alert.command:
            lines.append(f"  numbers: {alert.command}")
        out.append("\n".join(lines))
    return "\n\n".join(out)


# ------------------------------------------------------------------------------ stand-ups


def standup_prompt_message(day: date, settings: Settings) -> dict[str, Any]:
    """The morning prompt with its "Post my update" button."""
    text = (
        f":sunrise: *Stand-up for {day_text(day)}*\n"
        "*Marketing*: which campaign, what shipped, what's next.\n"
        "*Operations*: resources ready for incoming traffic (coupons, landing pages, support "
        "staffing, stock).\n*Both*: blockers. Updates can be edited until the digest at "
        f"{settings.digest_time}."
    )
    button = ButtonElement(
        text="Post my update",
        action_id=STANDUP_OPEN_ACTION,
        value=day.isoformat(),
        style="primary",
    )
    blocks: list[Block] = [kit.section(text), ActionsBlock(elements=[button])]
    return kit.message(blocks, f"Stand-up for {day_text(day)}: post your update")


# ------------------------------------------------------------------------------ App Home

HOME_TITLE = "War Room"
# What each column of the headline table is called (short, so the table fits a phone).
HOME_COLUMN_NAMES = {
    "spend": "Spend",
    "new_customers": "New",
    "cac": "CAC",
    "revenue": "Revenue",
    "roi": "ROI",
    "ltv_cac": "LTV/CAC",
}
MAX_ALERTS = 20


def home_view(sections: list[list[Block]]) -> dict[str, Any]:
    """The Home view: the sections in order, divided, within the 100-block limit."""
    blocks: list[Block] = [kit.header(HOME_TITLE)]
    for index, section_blocks in enumerate(sections):
        if index:
            blocks.append(DividerBlock())
        blocks.extend(section_blocks)
    fitted = kit.fit_blocks(blocks, kit.MAX_MODAL_BLOCKS)
    return View(type="home", blocks=fitted).to_dict()


def section_failed(name: str) -> list[Block]:
    """What a section that could not be loaded shows instead."""
    return [kit.context(f":warning: The {name} section could not be loaded just now.")]


def headlines_section(headlines: Headlines, currency: str) -> list[Block]:
    """The headline metrics per channel as an aligned table, with the blended total."""
    period = headlines.period
    out: list[Block] = [
        kit.section(f"*Channels, last {period.days} days* ({period.start} to {period.end})")
    ]
    if not headlines.rows and all(v is None for v in headlines.total):
        out.append(kit.context(headlines.note or "No growth data loaded yet."))
        return out
    projected = headlines.projected or (False,) * len(headlines.metrics)
    names = ["Channel", *(HOME_COLUMN_NAMES.get(m.name, m.label) for m in headlines.metrics)]
    money = [
        value
        for line in (*(row.values for row in headlines.rows), headlines.total)
        for value, metric in zip(line, headlines.metrics, strict=True)
        if metric.unit == "currency"
    ]
    whole = whole_amounts(money, currency)

    def shown(values: tuple[float | None, ...]) -> list[str]:
        return [
            format_metric_value(v, m, currency, whole)
            for v, m in zip(values, headlines.metrics, strict=True)
        ]

    table = [[row.label, *shown(row.values)] for row in headlines.rows]
    table.append(["All", *shown(headlines.total)])
    table = [[cell.replace("no data", "–") for cell in line] for line in table]
    widths = [max(len(r[i]) for r in [names, *table]) for i in range(len(names))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    lines = [line(names), *(line(r) for r in table)]
    out.extend(kit.lines_to_sections(lines, code=True))
    small = []
    marked = [
        HOME_COLUMN_NAMES.get(m.name, m.label)
        for m, young in zip(headlines.metrics, projected, strict=True)
        if young
    ]
    if marked:
        small.append(f"{' and '.join(marked)}: projected to the full window (young cohorts)")
    if headlines.data_through:
        small.append(f"data through {headlines.data_through}")
    small.append("ask `/metric list` for definitions")
    out.append(kit.context(*small))
    return out


def _home_alert_line(alert: Alert) -> str:
    rule = alert.playbook
    subject = "all channels" if alert.subject == "all" else alert.subject
    text = f":rotating_light: *{rule.title}* · {subject} · since {alert.opened_at:%Y-%m-%d}"
    text += f"\n{rule.action}"
    if alert.summary:
        text += f"\n{alert.summary}"
    if alert.command:
        text += f" · `{alert.command}`"
    why = alert_why(alert)
    if why:
        text += f"\n{why}"
    return text


def alerts_section(alerts: list[Alert]) -> list[Block]:
    """The open playbook alerts (newest first), or a line saying there are none."""
    if not alerts:
        return [kit.section("*Playbook alerts*\n:white_check_mark: No open alerts.")]
    shown = sorted(alerts, key=lambda a: a.opened_at, reverse=True)[:MAX_ALERTS]
    lines = [f"*Playbook alerts* ({len(alerts)} open)"]
    lines.extend(_home_alert_line(a) for a in shown)
    if len(alerts) > len(shown):
        lines.append(f"_…and {len(alerts) - len(shown)} more_")
    return kit.lines_to_sections(lines)
