"""Metric answers as Block Kit: header, headline, change, context, rows, buttons."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.core import blocks as kit
from bot.core.blocks import mention
from bot.core.i18n import DEFAULT_LANGUAGE, Language, words
from bot.core.settings import Settings
from bot.metrics import format as fmt
from bot.metrics.result import Result

SHARE_ACTION = "metric_share"
CHART_ACTION = "metric_chart"
# A button value holds at most 2000 characters; the query text is far shorter.
MAX_BUTTON_VALUE = 2000


def button_value(query_text: str) -> str:
    """What the Share and Chart buttons carry: the question, so it can be asked again."""
    return json.dumps({"q": query_text})[:MAX_BUTTON_VALUE]


def query_of_button(value: str) -> str:
    """The question a Share or Chart button carries."""
    try:
        return str(json.loads(value)["q"])
    except (ValueError, KeyError, TypeError):
        return ""


def change_mark(result: Result) -> str:
    """Green when the metric moved the good way (CAC down, LTV up), red when the bad way."""
    change = result.change
    if change is None:
        return ""
    if change == 0:
        return ":white_circle:"
    improved = (change > 0) == (result.query.metric.good == "up")
    return ":large_green_circle:" if improved else ":red_circle:"


def metric_blocks(
    result: Result,
    settings: Settings,
    *,
    buttons: bool = True,
    shared_by: str | None = None,
    language: Language = DEFAULT_LANGUAGE,
) -> list[Block]:
    """The answer to a metric question: header, headline, change, context, rows, buttons."""
    t = words(language)
    currency = settings.currency
    whole = fmt.answer_whole(result, currency)
    out: list[Block] = [kit.header(fmt.metric_title(result.query, language))]
    lines = [f"*{fmt.headline(result, currency, whole, language)}*"]
    change = fmt.format_change_line(result, currency, whole, language)
    if change:
        lines.append(f"{change_mark(result)} {change}".strip())
    why = fmt.why_line(result, currency, whole, language)
    if why:
        lines.append(why)
    if result.note:
        lines.append(f"_{t.say(result.note)}_")
    for warning in result.warnings:
        lines.append(f":warning: {t.say(warning)}")
    out.append(kit.section("\n".join(lines)))
    parts = list(fmt.context_parts(result, language))
    if shared_by:
        parts.append(t._("shared by {person}", person=mention(shared_by)))
    if parts:
        out.append(kit.context(*parts))
    if result.breakdown:
        rows = fmt.breakdown_lines(result, currency, whole, language)
        out.extend(kit.lines_to_sections(rows, code=True))
    elif result.series:
        out.extend(
            kit.lines_to_sections(fmt.series_lines(result, currency, whole, language), code=True)
        )
    if buttons and result.value is not None:
        value = button_value(result.query.text)
        actions = ActionsBlock(
            elements=[
                ButtonElement(text=t._("Share to channel"), action_id=SHARE_ACTION, value=value),
                ButtonElement(text=t._("Chart"), action_id=CHART_ACTION, value=value),
            ]
        )
        # The buttons stay even when the rows are cut to fit.
        return [*kit.fit_blocks(out, kit.MAX_MESSAGE_BLOCKS - 1), actions]
    return kit.fit_blocks(out)


def metric_message(
    result: Result,
    settings: Settings,
    *,
    buttons: bool = True,
    shared_by: str | None = None,
    language: Language = DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """A chat message (blocks + fallback text) answering a metric question in `language`."""
    whole = fmt.answer_whole(result, settings.currency)
    title = fmt.metric_title(result.query, language)
    text = f"{title}: " + fmt.headline(result, settings.currency, whole, language)
    blocks = metric_blocks(
        result, settings, buttons=buttons, shared_by=shared_by, language=language
    )
    return kit.message(blocks, text)
