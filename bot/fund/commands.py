"""`/fund` for Slack and the console, and the fund's sections of the digest and the App
Home: read the fund, render the answer."""

from __future__ import annotations

import difflib

from slack_sdk.models.blocks import Block

from bot.core.context import Context
from bot.core.i18n import N_, Msg
from bot.core.render import Reply
from bot.fund import reading, render
from bot.fund.errors import FundError
from bot.fund.ledger import set_budget
from bot.fund.wording import state_text

SUBCOMMANDS = ("propose", "list", "history", "budget", "help")
HELP = N_("""\
*Innovation fund*
`/fund` the pool: approved, pending and remaining, with a bar (`/fund 2027` for another year)
`/fund propose` open the proposal form
`/fund list [status=pending|approved|rejected|changes_requested|withdrawn|completed] [mine]`
`/fund history ID` every decision on a proposal: who, when, from, to, note
`/fund budget YEAR AMOUNT` set the year's growth budget (admins); its pool is FUND_POOL_PCT
""")


def fund_command(text: str, ctx: Context) -> Reply:
    """Answer `/fund ...`."""
    word, _, rest = text.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    t = ctx.words
    if word == "propose":
        # No database work before the modal opens: Slack's trigger id lives 3 seconds.
        return Reply(modal=render.proposal_modal(language=ctx.first_lang))
    try:
        if word in ("", "pool", "summary") or (word.isdigit() and len(word) == 4 and not rest):
            return _summary(ctx, int(word) if word.isdigit() else None)
        if word == "list":
            return _list(rest, ctx)
        if word == "history":
            return _history(rest, ctx)
        if word == "budget":
            return _budget(rest, ctx)
        if word == "help":
            return Reply.text(t._(HELP))
    except FundError as problem:
        return Reply.error(t.say(problem))
    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1)
    hint = t._(' Did you mean "/fund {close}"?', close=close[0]) if close else ""
    return Reply.error(t._("There is no /fund {word}.{hint} Try /fund help.", word=word, hint=hint))


def _summary(ctx: Context, year: int | None) -> Reply:
    year = year or reading.current_year(ctx)
    summary = reading.fund_summary(ctx, year)
    return Reply(message=render.summary_message(summary, year, ctx.settings.currency, ctx.lang))


def _list(rest: str, ctx: Context) -> Reply:
    settings = ctx.settings
    chosen = reading.parse_list_filter(rest)
    proposals = reading.list_proposals(
        ctx,
        status=chosen.status,
        user_id=ctx.actor if chosen.mine else None,
        year=chosen.year,
    )
    t = ctx.words
    what = t._("My proposals") if chosen.mine else t._("Proposals")
    if chosen.status:
        what += f" ({t.say(state_text(chosen.status))})"
    message = render.list_message(
        proposals, settings.fund_approval, settings.currency, what, ctx.lang
    )
    return Reply(message=message)


def _history(rest: str, ctx: Context) -> Reply:
    number = rest.strip().lstrip("#")
    if not number.isdigit():
        raise FundError(Msg("Say which proposal, e.g. /fund history 12 (/fund list shows ids)."))
    settings = ctx.settings
    proposal, events = reading.proposal_history(ctx, int(number))
    message = render.history_message(proposal, events, settings.fund_approval, ctx.lang)
    return Reply(message=message)


def _budget(rest: str, ctx: Context) -> Reply:
    parts = rest.split(maxsplit=1)
    if len(parts) != 2 or not parts[0].isdigit():
        raise FundError(Msg("Write it as /fund budget YEAR AMOUNT, e.g. /fund budget 2027 12m."))
    summary = set_budget(ctx, int(parts[0]), parts[1])
    return Reply(message=render.budget_set_message(summary, ctx.settings.currency, ctx.lang))


def home_section(ctx: Context) -> list[Block]:
    """The App Home fund section for the person looking: pool, waiting for them, theirs."""
    settings = ctx.settings
    year = reading.current_year(ctx)
    return render.home_blocks(
        reading.fund_summary(ctx, year),
        year,
        reading.awaiting(ctx),
        reading.list_proposals(ctx, user_id=ctx.actor, limit=10) if ctx.actor else [],
        settings.fund_approval,
        settings.currency,
        ctx.lang,
    )


def digest_lines(ctx: Context) -> list[str]:
    """The digest's fund lines: the pool with its bar and the proposals waiting for a decision."""
    settings = ctx.settings
    year = reading.current_year(ctx)
    summary = reading.fund_summary(ctx, year)
    pending = []
    if summary is not None:
        pending = reading.list_proposals(ctx, status="pending", year=year, limit=6)
    return render.digest_lines(
        summary, year, pending, settings.fund_approval, settings.currency, ctx.lang
    )
