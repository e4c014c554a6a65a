"""What the buttons under a metric answer do: share it, chart it.

The metric slash commands themselves (/ltv, /cac, /roi, /retention, /metric, declared in the
registry) are answered through bot.language, which takes the query language and plain words.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.context import Context
from bot.core.render import Reply
from bot.metrics.engine import ask
from bot.metrics.format import metric_title
from bot.metrics.query import QueryError
from bot.metrics.render import metric_message
from bot.metrics.result import Result


def ask_metric(command: str, text: str, ctx: Context) -> Result:
    """The engine's Result for a metric command; raises QueryError for bad input."""
    return ask(f"{command} {text}".strip(), ctx.settings, ctx.db, ctx.clock)


def share_metric(question: str, ctx: Context) -> Reply:
    """The answer to `question` (e.g. "/ltv channel=tiktok") for the whole channel, credited."""
    command, _, rest = question.strip().partition(" ")
    try:
        result = ask_metric(command, rest, ctx)
    except QueryError as problem:
        return Reply.error(ctx.words.say(problem))
    message = metric_message(
        result, ctx.settings, buttons=False, shared_by=ctx.actor, language=ctx.lang
    )
    return Reply(message=message, public=True)


@dataclass(frozen=True)
class Chart:
    """A rendered chart ready to upload."""

    title: str
    filename: str
    png: bytes


def metric_chart(question: str, ctx: Context) -> Chart | Reply:
    """A PNG chart of the metric asked in `question` over time, or a Reply explaining why not."""
    command, _, rest = question.strip().partition(" ")
    if "grain=" not in rest:
        rest = f"{rest} grain=day".strip()
    try:
        result = ask_metric(command, rest, ctx)
    except QueryError as problem:
        return Reply.error(ctx.words.say(problem))
    if not result.series or all(p.value is None for p in result.series):
        return Reply.error(
            ctx.words._(
                "There is nothing to chart for {question}: no data in the period.",
                question=question.strip(),
            )
        )
    # Imported here: matplotlib costs 0.4 s at start-up and only a chart needs it.
    from bot.metrics.charts import metric_chart_png

    title = metric_title(result.query, ctx.lang)
    png = metric_chart_png(result, ctx.settings)
    slug = "".join(c if c.isalnum() else "-" for c in question.strip("/ ").lower())[:60]
    return Chart(title=title, filename=f"{slug or 'chart'}.png", png=png)
