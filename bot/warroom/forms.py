"""The war room's forms and lists as Block Kit: the stand-up form, the settings form, the
team list and their confirmations."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationSelectElement,
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
from bot.core.blocks import mention
from bot.core.i18n import DEFAULT_LANGUAGE, Language, Msg, Words, words
from bot.core.settings import Settings, SettingsError
from bot.core.text import clean_values
from bot.warroom.alerts import RULES, Rule
from bot.warroom.render import day_text, team_label, update_line
from bot.warroom.standup import RESOURCES, CampaignChoice, Update
from bot.warroom.team import Member

STANDUP_CALLBACK = "standup_submit"
SETTINGS_CALLBACK = "settings_submit"
# The settings the form shows, by block id (a subset of the workspace settings: the fund's
# channel and approval mode are set in .env), ending with each playbook rule's threshold.
SETTINGS_FIELDS = (
    "digest_channel",
    "digest_time",
    "digest_weekdays_only",
    "standup_time",
    "standup_mode",
    "timezone",
    "currency",
    "language",
    *(rule.setting for rule in RULES.values()),
)
EN: Language = DEFAULT_LANGUAGE


def loading_modal(problem: str | None = None, language: Language = EN) -> dict[str, Any]:
    """The form's placeholder while it loads, or an explanation when it cannot open."""
    t = words(language)
    text = f":warning: {t.say(problem)}" if problem else t._("Loading your stand-up form…")
    view = View(
        type="modal",
        title=kit.clip(t._("Stand-up update"), 24),
        close=t._("Close"),
        blocks=[kit.section(text)],
    )
    return view.to_dict()


def standup_modal(
    person: Member,
    day: date,
    campaigns: list[CampaignChoice],
    existing: Update | None,
    language: Language = EN,
) -> dict[str, Any]:
    """The stand-up form for marketing or operations, filled with today's update if any."""
    t = words(language)
    team = team_label(person.team, language)
    blocks: list[Block] = [
        kit.context(
            t._(
                "{team} · {day} · editable until the digest",
                team=team,
                day=day_text(day, language),
            )
        )
    ]
    if person.team == "marketing":
        options = [Option(value=c.id, label=kit.clip(c.label, 75)) for c in campaigns[:100]]
        initial = next((o for o in options if existing and o.value == existing.campaign_id), None)
        if options:
            blocks.append(
                InputBlock(
                    block_id="campaign",
                    label=t._("Campaign"),
                    optional=True,
                    element=StaticSelectElement(
                        action_id="value",
                        placeholder=t._("Which campaign"),
                        options=options,
                        initial_option=initial,
                    ),
                )
            )
        blocks.append(_text_input("shipped", t._("What shipped"), existing and existing.shipped))
        next_steps = existing and existing.next_steps
        blocks.append(_text_input("next_steps", t._("What's next"), next_steps))
    else:
        options = [Option(value=key, label=t._(label)) for key, label in RESOURCES]
        ready = [o for o in options if existing and o.value in existing.resources_ready]
        blocks.append(
            InputBlock(
                block_id="resources",
                label=t._("Ready for incoming traffic"),
                optional=True,
                element=CheckboxesElement(
                    action_id="value", options=options, initial_options=ready or None
                ),
            )
        )
        blocks.append(
            _text_input(
                "resources_note",
                t._("Notes on resources"),
                existing and existing.resources_note,
                multiline=False,
            )
        )
    blocks.append(_text_input("blockers", t._("Blockers"), existing and existing.blockers))
    view = View(
        type="modal",
        callback_id=STANDUP_CALLBACK,
        title=kit.clip(t._("Stand-up update"), 24),
        submit=t._("Save"),
        close=t._("Cancel"),
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


def standup_saved_message(update: Update, language: Language = EN) -> dict[str, Any]:
    """The private confirmation after saving an update."""
    t = words(language)
    day = day_text(update.date, language)
    return kit.message(
        [kit.section(t._(":white_check_mark: Your update for {day} is saved.", day=day))]
        + kit.lines_to_sections([update_line(update, language)]),
        t._("Stand-up update saved"),
    )


# ------------------------------------------------------------------------------ settings


def settings_modal(settings: Settings, language: Language = EN) -> dict[str, Any]:
    """The workspace settings form, filled with the current values."""
    t = words(language)
    channel = settings.digest_channel
    is_id = channel[:1] in ("C", "G") and channel.isalnum()
    shown = ("<#" + channel + ">") if is_id else channel
    blocks: list[Block] = [
        kit.context(t._("Current digest channel: {channel}", channel=shown)),
        InputBlock(
            block_id="digest_channel",
            label=t._("Digest channel"),
            optional=True,
            hint=t._("Leave empty to keep the current channel. Invite the bot there."),
            element=ConversationSelectElement(
                action_id="value",
                initial_conversation=channel if is_id else None,
                filter={"include": ["public", "private"], "exclude_bot_users": True},
            ),
        ),
        InputBlock(
            block_id="digest_time",
            label=t._("Digest time"),
            element=TimePickerElement(action_id="value", initial_time=settings.digest_time),
        ),
        _radio(
            "digest_weekdays_only",
            t._("Digest days"),
            [("true", t._("Weekdays only")), ("false", t._("Every day"))],
            str(settings.digest_weekdays_only).lower(),
        ),
        InputBlock(
            block_id="standup_time",
            label=t._("Stand-up prompt time"),
            element=TimePickerElement(action_id="value", initial_time=settings.standup_time),
        ),
        _radio(
            "standup_mode",
            t._("Stand-up prompt goes to"),
            [("channel", t._("The digest channel")), ("dm", t._("Each team member's DMs"))],
            settings.standup_mode,
        ),
        _plain("timezone", t._("Time zone (IANA name)"), settings.timezone),
        _plain("currency", t._("Currency (3 letters)"), settings.currency),
        _radio(
            "language",
            t._("Language of the bot's messages"),
            [("en", "English"), ("zh", "中文")],
            settings.language,
        ),
        *(_threshold(rule, settings, t) for rule in RULES.values()),
    ]
    view = View(
        type="modal",
        callback_id=SETTINGS_CALLBACK,
        title=kit.clip(t._("War room settings"), 24),
        submit=t._("Save"),
        close=t._("Cancel"),
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


def _threshold(rule: Rule, settings: Settings, t: Words) -> InputBlock:
    value = getattr(settings, rule.setting)
    return _number(rule.setting, t._(rule.setting_label), value, isinstance(value, float))


def _number(block_id: str, label: str, value: float, decimal: bool) -> InputBlock:
    shown = f"{value:g}" if decimal else str(int(value))
    return InputBlock(
        block_id=block_id,
        label=label,
        element=NumberInputElement(
            action_id="value", is_decimal_allowed=decimal, initial_value=shown
        ),
    )


def settings_changes(values: dict[str, Any]) -> dict[str, Any]:
    """The submitted settings form as setting values (strings; the Settings model converts
    and range-checks them); fields left empty are not changes. SettingsError for a threshold
    that is not a finite number (1e400 would be read as infinity)."""
    out: dict[str, Any] = {}
    thresholds = {rule.setting for rule in RULES.values()}
    for name in SETTINGS_FIELDS:
        value = clean_values(values.get(name))
        if value in (None, ""):
            continue
        if name in thresholds and not _finite(str(value)):
            raise SettingsError(
                Msg(
                    'Bad setting {name}: "{value}" is not a finite number',
                    name=name.upper(),
                    value=value,
                )
            )
        out[name] = value == "true" if name == "digest_weekdays_only" else value
    return out


def _finite(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return True  # not a number at all: the Settings model says so


def settings_saved_message(changes: dict[str, Any], language: Language = EN) -> dict[str, Any]:
    """The private confirmation after saving settings."""
    t = words(language)
    if not changes:
        return kit.message([kit.section(t._("Settings unchanged."))], t._("Settings unchanged"))
    lines = [t._(":white_check_mark: Settings saved for this workspace (they win over .env):")]
    lines += [f"• `{name.upper()}` = `{value}`" for name, value in sorted(changes.items())]
    return kit.message(kit.lines_to_sections(lines), t._("Settings saved"))


# ------------------------------------------------------------------------------ team


def role_words(approver: bool, admin: bool, language: Language = EN) -> list[str]:
    """ "approver", "admin" (审批人, 管理员): the roles a member has."""
    t = words(language)
    return [word for word, on in ((t._("approver"), approver), (t._("admin"), admin)) if on]


def team_message(members: list[Member], can_edit: bool, language: Language = EN) -> dict[str, Any]:
    """Who is in marketing and operations, who approves and who administers."""
    t = words(language)
    lines = [t._("*War-room team*")]
    for team in ("marketing", "operations"):
        people = [m for m in members if m.team == team]
        roles = []
        for person in people:
            flags = role_words(person.is_approver, person.is_admin, language)
            roles.append(mention(person.user_id) + (f" ({', '.join(flags)})" if flags else ""))
        shown = ", ".join(roles) if roles else t._("_nobody yet_")
        lines.append(f"*{team_label(team, language)}*: " + shown)
    if can_edit:
        lines.append(
            t._(
                "Change it with `/warroom team add marketing|operations @user [approver]` and "
                "`/warroom team remove @user`."
            )
        )
    else:
        lines.append(t._("_Only admins can change the team._"))
    return kit.message(kit.lines_to_sections(lines), t._("War-room team"))
