"""`/journey` and `/northstar` for Slack and the console, the journey as JSON (`warroom ask
--json "/journey ..."`), the digest's journey line and the App Home north-star section."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot.core.context import Context
from bot.core.i18n import N_, Msg
from bot.core.render import Reply
from bot.journey import render
from bot.journey.funnel import Funnel, read_funnel
from bot.journey.map import JourneyFileError, load_map
from bot.journey.northstar import north_star
from bot.metrics import Period, QueryError, load_catalog, parse

DEFAULT_DAYS = 7
# The journey's words are the query language's (channel=, a period): read as a question
# about a metric every data set has.
_QUESTION = "/metric spend"
JOURNEY_HELP = N_("""\
*User journey*
`/journey` every touchpoint of the last 7 complete days beside the 7 before: its volume, its \
conversion from the previous measured touchpoint, its owner, the hand-off and the biggest drop
`/journey channel=tiktok` one channel · `/journey since=14d`, `from=2026-11-01 to=2026-11-14`, \
`last-week` another period · `vs=yoy` against a year earlier
`/northstar` LTV/CAC, lead conversion, cost per converted lead and lead response time, with \
owners, trend and drivers""")


def _scope(text: str, ctx: Context) -> tuple[Period, Period | None, tuple[str, ...]]:
    """The period, the one compared with and the channels the words ask for."""
    catalog = load_catalog(ctx.db.analytics)
    today = ctx.clock.today(ctx.settings.tz)
    asked = f"{_QUESTION} {text}".strip()
    try:
        query = parse(f"{asked} since={DEFAULT_DAYS}d", catalog, today)
    except QueryError:
        # The words name their own period (or are wrong: this says how).
        query = parse(asked, catalog, today)
    if query.by or query.grain or query.filters.campaigns or query.filters.kind:
        raise QueryError(Msg("/journey takes channel= and a period, e.g. /journey channel=tiktok"))
    return query.period, query.comparison_period(), query.filters.channels


def journey_funnel(ctx: Context, text: str = "") -> Funnel:
    """The journey the words ask for; raises QueryError or JourneyFileError saying what to
    change."""
    journey = load_map(ctx.settings.journey_file)
    period, previous, channels = _scope(text, ctx)
    return read_funnel(ctx, journey, period, previous, channels)


def journey_command(text: str, ctx: Context) -> Reply:
    """Answer `/journey ...`."""
    if text.strip().lower() in ("help", "?"):
        return Reply.text(ctx.words._(JOURNEY_HELP))
    try:
        funnel = journey_funnel(ctx, text)
    except (QueryError, JourneyFileError) as problem:
        return Reply.error(ctx.words.say(problem))
    return Reply(message=render.journey_message(funnel, ctx.lang))


def journey_as_json(text: str, ctx: Context) -> dict[str, Any]:
    """The journey as JSON (see render.journey_json); raises QueryError or JourneyFileError."""
    return render.journey_json(journey_funnel(ctx, text))


def northstar_command(text: str, ctx: Context) -> Reply:
    """Answer `/northstar ...`."""
    if text.strip().lower() in ("help", "?"):
        return Reply.text(ctx.words._(JOURNEY_HELP))
    try:
        stars = north_star(ctx, text)
    except QueryError as problem:
        return Reply.error(ctx.words.say(problem))
    settings = ctx.settings
    return Reply(message=render.northstar_message(stars, settings.currency, ctx.lang))


def home_section(ctx: Context) -> list[Block]:
    """The App Home north-star section."""
    return render.home_blocks(north_star(ctx), ctx.settings.currency, ctx.lang)


def digest_lines(ctx: Context, day: date) -> list[str]:
    """The digest's journey line: the biggest drop of the 7 days up to `day` against the 7
    before, with its owner, when that conversion fell by more than JOURNEY_DROP_MIN; else
    nothing."""
    try:
        journey = load_map(ctx.settings.journey_file)
    except JourneyFileError as problem:
        return [f":warning: {ctx.words.say(problem)}"]
    period = Period(day - timedelta(days=DEFAULT_DAYS - 1), day)
    funnel = read_funnel(ctx, journey, period, period.previous())
    if funnel.biggest_drop is None:
        return []
    change = funnel.step(funnel.biggest_drop).conversion_change
    if change is None or -change <= ctx.settings.journey_drop_min:
        return []
    drop = render.drop_text(funnel, ctx.lang)
    return [f":small_red_triangle_down: {drop} · `/journey`"] if drop else []
