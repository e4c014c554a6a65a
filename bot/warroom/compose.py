"""The digest of a day, gathered and rendered: what the digest job posts, `/warroom digest
preview` shows and `warroom digest --dry-run` prints."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot import fund, journey, okrs
from bot.core.clock import ManualClock, moment_at
from bot.core.context import Context
from bot.core.render import blocks_as_text
from bot.core.settings import parse_hhmm
from bot.warroom import alerts, render
from bot.warroom.digest import Digest, build_digest


def digest_payload(
    ctx: Context, day: date | None = None, preview: bool = False
) -> tuple[Digest, dict[str, Any]]:
    """The digest of `day` (default today) and its message.

    Another day's digest is computed as of that day's digest time, so "yesterday" and the
    complete periods are that day's. `preview` shows the alerts an evaluation would open now
    without storing them.
    """
    settings = ctx.settings
    today = ctx.clock.today(settings.tz)
    day = day or today
    if day != today:
        at = moment_at(day, parse_hhmm(settings.digest_time), settings.tz)
        ctx = replace(ctx, clock=ManualClock(at))
    digest = build_digest(settings, ctx.db, ctx.workspace_id, day, ctx.clock)
    if preview:
        digest.alerts = alerts.preview(settings, ctx.db, ctx.workspace_id, ctx.clock)
    digest.fund_lines = fund.digest_lines(ctx)
    digest.okr_lines = okrs.digest_lines(ctx)
    digest.journey_lines = journey.digest_lines(ctx, digest.day)
    return digest, render.digest_message(digest, ctx.lang)


def digest_as_text(ctx: Context, day: date | None = None) -> str:
    """The digest as a person would read it, with the alerts an evaluation would open now."""
    _digest, message = digest_payload(ctx, day, preview=True)
    return blocks_as_text(message)
