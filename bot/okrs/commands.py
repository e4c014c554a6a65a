"""`/okr` for Slack and the console, and the OKRs' parts of the digest, the App Home and the
weekly check-in: read the objectives, score them, render."""

from __future__ import annotations

import difflib
from datetime import date
from typing import Any

from slack_sdk.models.blocks import Block

from bot.core.context import Context
from bot.core.i18n import Msg
from bot.core.render import Reply
from bot.okrs import render
from bot.okrs.forms import CheckinSaved
from bot.okrs.objectives import OkrError, get_okr, list_okrs
from bot.okrs.progress import QuarterError, next_quarters, parse_quarter, quarter_label, quarter_of
from bot.okrs.scoring import OkrScore, score_okrs

SUBCOMMANDS = ("new", "all", "help")
# The quarters the new-objective form offers: this one and the next three.
FORM_QUARTERS = 4


def _today(ctx: Context) -> date:
    return ctx.clock.today(ctx.settings.tz)


def form_quarters(ctx: Context) -> list[str]:
    """The quarters the new-objective form offers, this one first (from the environment's
    time zone: no database work before a form opens)."""
    today = ctx.clock.today(ctx.env.tz)
    return [quarter_label(start) for start, _ in next_quarters(today, FORM_QUARTERS)]


def new_okr_form(ctx: Context) -> dict[str, Any]:
    """The new-objective form, built without database work (Slack's trigger id is fresh)."""
    return render.new_okr_modal(form_quarters(ctx), ctx.first_lang)


def okr_command(text: str, ctx: Context) -> Reply:
    """Answer `/okr ...`."""
    word = text.strip().lower()
    if word == "new":
        # No database work before the modal opens: Slack's trigger id lives 3 seconds.
        return Reply(modal=new_okr_form(ctx))
    t = ctx.words
    if word in ("help", "?"):
        return Reply.text(t._(render.HELP))
    if word in ("", "this", "this-quarter", "qtd"):
        start, _ = quarter_of(_today(ctx))
        title = t._("OKRs · {quarter}", quarter=quarter_label(start))
        okrs = list_okrs(ctx, running_on=_today(ctx))
    elif word == "all":
        title = t._("OKRs · every quarter")
        okrs = list_okrs(ctx)
    else:
        try:
            start, _ = parse_quarter(word)
        except QuarterError:
            close = difflib.get_close_matches(word, SUBCOMMANDS, n=1)
            hint = t._(' Did you mean "/okr {word}"?', word=close[0]) if close else ""
            said = t._(
                "There is no /okr {words}.{hint} Try /okr help.", words=text.strip(), hint=hint
            )
            return Reply.error(said)
        title = t._("OKRs · {quarter}", quarter=quarter_label(start))
        okrs = list_okrs(ctx, start=start)
    scored = score_okrs(ctx, okrs)
    return Reply(message=render.okrs_message(scored, title, ctx.settings.currency, ctx.lang))


def current_scores(ctx: Context, day: date | None = None) -> list[OkrScore]:
    """The objectives whose quarter holds `day` (default today), scored."""
    return score_okrs(ctx, list_okrs(ctx, running_on=day or _today(ctx)))


def digest_lines(ctx: Context, day: date | None = None) -> list[str]:
    """The digest's "OKRs at risk" line (nothing when there are no OKRs this quarter)."""
    return render.digest_lines(current_scores(ctx, day), ctx.lang)


def home_section(ctx: Context) -> list[Block]:
    """The App Home OKR section: this quarter's objectives."""
    return render.home_blocks(current_scores(ctx), ctx.settings.currency, ctx.lang)


def checkin_form(ctx: Context, okr_id: int) -> dict[str, Any]:
    """The check-in form of objective `okr_id`; OkrError when there is none."""
    okr = get_okr(ctx, okr_id)
    if okr is None:
        raise OkrError(Msg("There is no OKR #{id}", id=okr_id))
    return render.checkin_modal(okr, ctx.lang)


def created_text(ctx: Context, okr_id: int) -> str:
    """The note to the person who created objective `okr_id`."""
    okr = get_okr(ctx, okr_id)
    if okr is None:
        return ctx.words._("There is no OKR #{id}", id=okr_id)
    return render.created_text(okr, ctx.lang)


def checkin_saved(ctx: Context, saved: CheckinSaved) -> str:
    """The note to the person who checked in."""
    checkin = saved.checkin
    return render.checkin_saved_text(
        checkin.key_result_id, saved.name, checkin.confidence, ctx.lang
    )


def okrs_as_json(ctx: Context, quarter: str | None = None) -> list[dict[str, Any]]:
    """`warroom okr list --json`: the objectives (of `quarter`, else all) with their scores."""
    start = parse_quarter(quarter)[0] if quarter else None
    return render.okrs_json(score_okrs(ctx, list_okrs(ctx, start=start)))
