"""The App Home tab: a view made of sections (headline metrics, alerts, fund, war room)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block, DividerBlock
from slack_sdk.models.views import View

from bot.core import blocks as kit

if TYPE_CHECKING:
    from bot.warroom.alerts import Alert
    from bot.warroom.home import Headlines

HOME_TITLE = "War Room"
# What each column of the headline table is called (short, so the table fits a phone).
COLUMN_NAMES = {
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
    from bot.metrics.format import format_metric_value

    period = headlines.period
    out: list[Block] = [
        kit.section(f"*Channels, last {period.days} days* ({period.start} to {period.end})")
    ]
    if not headlines.rows and all(v is None for v in headlines.total):
        out.append(kit.context(headlines.note or "No growth data loaded yet."))
        return out
    names = ["Channel", *(COLUMN_NAMES.get(m.name, m.label) for m in headlines.metrics)]
    table = [
        [
            row.label,
            *(
                format_metric_value(v, m, currency)
                for v, m in zip(row.values, headlines.metrics, strict=True)
            ),
        ]
        for row in headlines.rows
    ]
    table.append(
        [
            "All",
            *(
                format_metric_value(v, m, currency)
                for v, m in zip(headlines.total, headlines.metrics, strict=True)
            ),
        ]
    )
    table = [[cell.replace("no data", "–") for cell in line] for line in table]
    widths = [max(len(r[i]) for r in [names, *table]) for i in range(len(names))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    lines = [line(names), *(line(r) for r in table)]
    out.extend(kit.lines_to_sections(lines, code=True))
    small = []
    if headlines.data_through:
        small.append(f"data through {headlines.data_through}")
    small.append("ask `/metric list` for definitions")
    out.append(kit.context(*small))
    return out


def _alert_line(alert: Alert) -> str:
    rule = alert.playbook
    subject = "all channels" if alert.subject == "all" else alert.subject
    text = f":rotating_light: *{rule.title}* · {subject} · since {alert.opened_at:%Y-%m-%d}"
    text += f"\n{rule.action}"
    if alert.summary:
        text += f"\n{alert.summary}"
    if alert.command:
        text += f" · `{alert.command}`"
    return text


def alerts_section(alerts: list[Alert]) -> list[Block]:
    """The open playbook alerts (newest first), or a line saying there are none."""
    if not alerts:
        return [kit.section("*Playbook alerts*\n:white_check_mark: No open alerts.")]
    shown = sorted(alerts, key=lambda a: a.opened_at, reverse=True)[:MAX_ALERTS]
    lines = [f"*Playbook alerts* ({len(alerts)} open)"]
    lines.extend(_alert_line(a) for a in shown)
    if len(alerts) > len(shown):
        lines.append(f"_…and {len(alerts) - len(shown)} more_")
    return kit.lines_to_sections(lines)
