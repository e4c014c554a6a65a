"""The App Home: the pieces a person sees on the bot's Home tab.

The view is a list of sections. Each section provider takes the Context (who is looking, in
which workspace) and returns its blocks, built by its feature's render module. To add a
section, append one provider to HOME_SECTIONS. A provider that fails is logged and shown as a
short note; the rest still show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import Block

from bot import fund, journey, okrs
from bot.core.context import Context
from bot.warroom import render
from bot.warroom.alerts import open_alerts
from bot.warroom.headlines import channel_headlines

log = logging.getLogger(__name__)

HomeSection = Callable[[Context], list[Block]]


def _metrics_section(ctx: Context) -> list[Block]:
    return render.headlines_section(channel_headlines(ctx), ctx.settings.currency, ctx.lang)


def _alerts_section(ctx: Context) -> list[Block]:
    return render.alerts_section(open_alerts(ctx.db, ctx.workspace_id), ctx.lang)


HOME_SECTIONS: list[tuple[str, HomeSection]] = [
    ("metrics", _metrics_section),
    ("north star", journey.home_section),
    ("alerts", _alerts_section),
    ("OKRs", okrs.home_section),
    ("fund", fund.home_section),
]


def home_view(ctx: Context) -> dict[str, Any]:
    """The Home tab for the person in `ctx`, as a views.publish payload."""
    sections: list[list[Block]] = []
    for name, provider in HOME_SECTIONS:
        try:
            blocks = provider(ctx)
        except Exception:
            log.exception("Home section %s failed for user %s", name, ctx.actor)
            blocks = render.section_failed(name, ctx.lang)
        if blocks:
            sections.append(blocks)
    return render.home_view(sections, ctx.lang)
