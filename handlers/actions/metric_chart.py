"""The "Chart" button under a metric answer: upload a PNG of the metric over time."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.core.blocks import mention
from bot.metrics.commands import Chart, metric_chart
from bot.metrics.render import CHART_ACTION, query_of_button
from bot.slack.listener import after_ack, clicked_once, context_of, deliver


def handle_chart(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Draw the chart and upload it to the channel (files_upload_v2), titled with the query;
    once per click."""
    ack()
    ctx = context_of(body, context, client)

    def draw() -> None:
        query = query_of_button(action.get("value", ""))
        chart = clicked_once(ctx, body, action, lambda once: metric_chart(query, once))
        if chart is None:  # a replayed click: charted already
            return
        if not isinstance(chart, Chart):
            deliver(chart, respond=respond, client=client, ctx=ctx)
            return
        client.files_upload_v2(
            channel=ctx.channel_id,
            content=chart.png,
            filename=chart.filename,
            title=chart.title,
            initial_comment=ctx.words._(
                "{title}, charted for {person}", title=chart.title, person=mention(ctx.actor or "")
            ),
        )

    after_ack(draw, body, respond)


def register(app: App) -> None:
    """Listen for the Chart button."""
    app.action(CHART_ACTION)(handle_chart)
