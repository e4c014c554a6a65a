"""The war room as Block Kit: the digest, alert messages, the stand-up prompt and form, the
settings form and the team list. Every text goes through bot.core.blocks, so limits hold however
many channels, alerts and updates there are."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConversationSelectElement,
    DividerBlock,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.core import blocks as kit
from bot.core.settings import Settings
from bot.warroom.alerts import SURGE_LEVELS, Alert
from bot.warroom.digest import COLUMNS, NOT_LOADED, PAID_ONLY, Cell, ChannelLine, Digest
from bot.warroom.standup import RESOURCE_LABELS, RESOURCES, CampaignChoice, Update
from bot.warroom.team import Member

STANDUP_OPEN_ACTION = "standup_open"
STANDUP_CALLBACK = "standup_submit"
SETTINGS_CALLBACK = "settings_submit"
ALERT_NUMBERS_ACTION = "alert_numbers"
MAX_UPDATE_TEXT = 300

COLUMN_LABELS = {
    "spend": "Spend",
    "new_customers": "New customers",
    "cac": "CAC",
    "revenue": "Revenue",
    "roi": "ROI so far",
    "retention": "D1",
}


def _fmt():  # type: ignore[no-untyped-def]
    from bot.metrics import format as fmt

    return fmt


def _mention(user_id: str) -> str:
    return f"<@{user_id}>"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _team_label(team: str) -> str:
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


def _cell_text(name: str, cell: Cell, digest: Digest) -> str:
    fmt = _fmt()
    metric = digest.metrics[name]
    label = COLUMN_LABELS[name]
    if cell.note:
        return f"{label} _{cell.note}_"
    value = fmt.format_metric_value(cell.value, metric, digest.currency)
    average = fmt.format_metric_value(cell.average, metric, digest.currency)
    change = cell.change
    moved = f" ({change * 100:+.0f}%)" if change is not None and cell.moved else ""
    mark = _arrow(cell, metric.good)
    text = f"{label} *{value}* (7d {average}){moved}"
    return f"{mark} {text}" if mark else text


def _channel_line(line: ChannelLine, digest: Digest) -> str:
    fmt = _fmt()
    heading = f"*{line.name}*" + (f" ({line.kind})" if line.kind else "")
    if line.ltv_cac is not None:
        ltv_cac = fmt.format_metric_value(line.ltv_cac, digest_metric("ltv_cac"), digest.currency)
        heading += f" · LTV/CAC 30d *{ltv_cac}*"
    names = [n for n in COLUMNS if line.kind != "organic" or n not in PAID_ONLY]
    cells = " · ".join(_cell_text(name, line.cells[name], digest) for name in names)
    return f"{heading}\n{cells}"


def digest_metric(name: str) -> Any:
    """The metric definition of a digest column."""
    from bot.metrics.registry import find_metric

    return find_metric(name)


def _loaded_text(digest: Digest) -> str:
    parts = []
    for name, through in digest.loaded.items():
        parts.append(f"{name} {through.isoformat() if through else NOT_LOADED}")
    return "Data loaded through: " + ", ".join(parts)


def _alert_line(alert: Alert) -> str:
    rule = alert.playbook
    owners = " + ".join(_team_label(t) for t in rule.owners)
    subject = "all channels" if alert.subject == "all" else alert.subject
    text = (
        f":rotating_light: *{rule.title}* · {subject} (since {alert.opened_at:%d %b}) "
        f"· owners: *{owners}* · {rule.action}\n{alert.summary}"
    )
    if alert.command:
        text += f" · `{alert.command}`"
    return text


def _update_lines(update: Update) -> str:
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
    return f"• {_mention(update.user_id)}: " + "; ".join(bits)


def _fund_lines(digest: Digest, settings: Settings, db: Any, clock: Any) -> list[str]:
    try:
        from bot.fund import render as fund_render
    except ImportError:
        return ["_The fund is not set up yet._"]
    section = getattr(fund_render, "digest_lines", None)
    if section is None or db is None:
        return ["_The fund is not set up yet._"]
    return list(section(db, digest.workspace_id, settings, clock))


def digest_blocks(
    digest: Digest, settings: Settings, db: Any = None, clock: Any = None
) -> list[Block]:
    """The digest's blocks: header, channel numbers, LTV/CAC, alerts, stand-ups, fund."""
    out: list[Block] = [kit.header(f"War room · {_day(digest.date)}")]
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
                f"Numbers for *{_day(digest.day)}* beside the 7 days before · D1 retention for "
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
        lines = [_channel_line(line, digest) for line in digest.channels]
        if digest.total is not None:
            lines.append(_channel_line(digest.total, digest))
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
    fund = _fund_lines(digest, settings, db, clock)
    out.extend(kit.lines_to_sections(["*Innovation fund*", *fund]))
    footer = "Stand-up updates: `Post my update` on the morning prompt · `/warroom help`"
    if digest.trend:
        footer = "Revenue and spend by channel, 14 days: chart in the thread · " + footer
    out.append(kit.context(footer))
    return out


def _standup_lines(digest: Digest) -> list[str]:
    standups = digest.standups
    lines = [f"*Stand-ups for {_day(digest.date)}*"]
    if standups is None or (not standups.updates and not standups.missing):
        lines.append("_Nobody is in marketing or operations yet: `/warroom team add ...`_")
        return lines
    for team in ("marketing", "operations"):
        updates = standups.by_team(team)
        missing = standups.missing_in(team)
        if not updates and not missing:
            continue
        lines.append(f"*{_team_label(team)}*")
        lines.extend(_update_lines(u) for u in updates)
        if missing:
            lines.append("_Not posted yet:_ " + ", ".join(_mention(m.user_id) for m in missing))
    return lines


def digest_text(digest: Digest) -> str:
    """The notification text of the digest (what a phone shows)."""
    alerts = f", {len(digest.alerts)} open alert(s)" if digest.alerts else ""
    return f"War room digest for {_day(digest.date)}{alerts}"


def digest_message(
    digest: Digest, settings: Settings, db: Any = None, clock: Any = None
) -> dict[str, Any]:
    """The digest as a chat message payload that fits Slack's limits."""
    return kit.message(digest_blocks(digest, settings, db, clock), digest_text(digest))


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
    owners = " and ".join(f"*{_team_label(t)}*" for t in rule.owners)
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
    if alert.rule == "traffic_surge":
        lines.append("*Three-level response:*")
        lines.extend(f":white_square: {level}" for level in SURGE_LEVELS)
    blocks = [kit.section("\n".join(lines))]
    if alert.command:
        blocks.append(kit.context(f"See the numbers: `{alert.command}`"))
        blocks.append(ActionsBlock(elements=[_numbers_button(alert.command)]))
    return kit.message(blocks, f"Playbook alert: {rule.title} ({alert.subject})")


# ------------------------------------------------------------------------------ stand-ups


def standup_prompt_message(day: date, settings: Settings) -> dict[str, Any]:
    """The morning prompt with its "Post my update" button."""
    text = (
        f":sunrise: *Stand-up for {_day(day)}*\n"
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
    return kit.message(blocks, f"Stand-up for {_day(day)}: post your update")


def loading_modal(problem: str | None = None) -> dict[str, Any]:
    """The form's placeholder while it loads, or an explanation when it cannot open."""
    text = f":warning: {problem}" if problem else "Loading your stand-up form…"
    view = View(
        type="modal",
        title="Stand-up update",
        close="Close",
        blocks=[kit.section(text)],
    )
    return view.to_dict()


def standup_modal(
    person: Member,
    day: date,
    campaigns: list[CampaignChoice],
    existing: Update | None,
) -> dict[str, Any]:
    """The stand-up form for marketing or operations, filled with today's update if any."""
    blocks: list[Block] = [
        kit.context(f"{_team_label(person.team)} · {_day(day)} · editable until the digest")
    ]
    if person.team == "marketing":
        options = [Option(value=c.id, label=kit.clip(c.label, 75)) for c in campaigns[:100]]
        initial = next((o for o in options if existing and o.value == existing.campaign_id), None)
        if options:
            blocks.append(
                InputBlock(
                    block_id="campaign",
                    label="Campaign",
                    optional=True,
                    element=StaticSelectElement(
                        action_id="value",
                        placeholder="Which campaign",
                        options=options,
                        initial_option=initial,
                    ),
                )
            )
        blocks.append(_text_input("shipped", "What shipped", existing and existing.shipped))
        blocks.append(_text_input("next_steps", "What's next", existing and existing.next_steps))
    else:
        options = [Option(value=key, label=label) for key, label in RESOURCES]
        ready = [o for o in options if existing and o.value in existing.resources_ready]
        blocks.append(
            InputBlock(
                block_id="resources",
                label="Ready for incoming traffic",
                optional=True,
                element=CheckboxesElement(
                    action_id="value", options=options, initial_options=ready or None
                ),
            )
        )
        blocks.append(
            _text_input(
                "resources_note",
                "Notes on resources",
                existing and existing.resources_note,
                multiline=False,
            )
        )
    blocks.append(_text_input("blockers", "Blockers", existing and existing.blockers))
    view = View(
        type="modal",
        callback_id=STANDUP_CALLBACK,
        title="Stand-up update",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"date": day.isoformat()}),
        blocks=blocks,
    )
    return view.to_dict()


def _text_input(
    block_id: str, label: str, value: str | None | bool, multiline: bool = True
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        element=PlainTextInputElement(
            action_id="value",
            multiline=multiline,
            max_length=2000,
            initial_value=value if isinstance(value, str) and value else None,
        ),
    )


def standup_saved_message(update: Update) -> dict[str, Any]:
    """The private confirmation after saving an update."""
    return kit.message(
        [kit.section(f":white_check_mark: Your update for {_day(update.date)} is saved.\n")]
        + kit.lines_to_sections([_update_lines(update)]),
        "Stand-up update saved",
    )


# ------------------------------------------------------------------------------ settings


def settings_modal(settings: Settings) -> dict[str, Any]:
    """The workspace settings form, filled with the current values."""
    channel = settings.digest_channel
    is_id = channel[:1] in ("C", "G") and channel.isalnum()
    blocks: list[Block] = [
        kit.context(f"Current digest channel: {('<#' + channel + '>') if is_id else channel}"),
        InputBlock(
            block_id="digest_channel",
            label="Digest channel",
            optional=True,
            hint="Leave empty to keep the current channel. Invite the bot there.",
            element=ConversationSelectElement(
                action_id="value",
                initial_conversation=channel if is_id else None,
                filter={"include": ["public", "private"], "exclude_bot_users": True},
            ),
        ),
        InputBlock(
            block_id="digest_time",
            label="Digest time",
            element=TimePickerElement(action_id="value", initial_time=settings.digest_time),
        ),
        _radio(
            "digest_weekdays_only",
            "Digest days",
            [("true", "Weekdays only"), ("false", "Every day")],
            str(settings.digest_weekdays_only).lower(),
        ),
        InputBlock(
            block_id="standup_time",
            label="Stand-up prompt time",
            element=TimePickerElement(action_id="value", initial_time=settings.standup_time),
        ),
        _radio(
            "standup_mode",
            "Stand-up prompt goes to",
            [("channel", "The digest channel"), ("dm", "Each team member's DMs")],
            settings.standup_mode,
        ),
        _plain("timezone", "Time zone (IANA name)", settings.timezone),
        _plain("currency", "Currency (3 letters)", settings.currency),
        _number("alert_ltv_cac_min", "Alert: LTV/CAC under", settings.alert_ltv_cac_min, True),
        _number(
            "alert_retention_drop_days",
            "Alert: D1 retention down this many days",
            settings.alert_retention_drop_days,
            False,
        ),
        _number(
            "alert_roi_weeks",
            "Alert: ROI under benchmark this many weeks",
            settings.alert_roi_weeks,
            False,
        ),
        _number(
            "alert_surge_factor",
            "Alert: sign-up surge factor",
            settings.alert_surge_factor,
            True,
        ),
    ]
    view = View(
        type="modal",
        callback_id=SETTINGS_CALLBACK,
        title="War room settings",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    )
    return view.to_dict()


def _radio(block_id: str, label: str, choices: list[tuple[str, str]], current: str) -> InputBlock:
    options = [Option(value=value, label=text) for value, text in choices]
    initial = next((o for o in options if o.value == current), None)
    return InputBlock(
        block_id=block_id,
        label=label,
        element=RadioButtonsElement(action_id="value", options=options, initial_option=initial),
    )


def _plain(block_id: str, label: str, value: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        element=PlainTextInputElement(action_id="value", initial_value=value, max_length=64),
    )


def _number(block_id: str, label: str, value: float, decimal: bool) -> InputBlock:
    shown = f"{value:g}" if decimal else str(int(value))
    return InputBlock(
        block_id=block_id,
        label=label,
        element=NumberInputElement(
            action_id="value", is_decimal_allowed=decimal, initial_value=shown
        ),
    )


def settings_saved_message(changes: dict[str, Any]) -> dict[str, Any]:
    """The private confirmation after saving settings."""
    if not changes:
        return kit.message([kit.section("Settings unchanged.")], "Settings unchanged")
    lines = [":white_check_mark: Settings saved for this workspace (they win over .env):"]
    lines += [f"• `{name.upper()}` = `{value}`" for name, value in sorted(changes.items())]
    return kit.message(kit.lines_to_sections(lines), "Settings saved")


# ------------------------------------------------------------------------------ team


def team_message(members: list[Member], can_edit: bool) -> dict[str, Any]:
    """Who is in marketing and operations, who approves and who administers."""
    lines = ["*War-room team*"]
    for team in ("marketing", "operations"):
        people = [m for m in members if m.team == team]
        roles = []
        for person in people:
            pairs = (("approver", person.is_approver), ("admin", person.is_admin))
            flags = [flag for flag, on in pairs if on]
            roles.append(_mention(person.user_id) + (f" ({', '.join(flags)})" if flags else ""))
        lines.append(f"*{_team_label(team)}*: " + (", ".join(roles) if roles else "_nobody yet_"))
    if can_edit:
        lines.append(
            "Change it with `/warroom team add marketing|operations @user [approver]` and "
            "`/warroom team remove @user`."
        )
    else:
        lines.append("_Only admins can change the team._")
    return kit.message(kit.lines_to_sections(lines), "War-room team")
