"""`/fund` for Slack and the console: parse the words, call the ledger, render the answer."""

from __future__ import annotations

import difflib

from slack_sdk.models.blocks import Block

from bot.commands import Invocation, Reply
from bot.fund import ledger as fund
from bot.fund import render

SUBCOMMANDS = ("propose", "list", "history", "budget", "help")
HELP = """\
*Innovation fund*
`/fund` the pool: approved, pending and remaining, with a bar (`/fund 2027` for another year)
`/fund propose` open the proposal form
`/fund list [status=pending|approved|rejected|changes_requested|withdrawn|completed] [mine]`
`/fund history ID` every decision on a proposal: who, when, from, to, note
`/fund budget YEAR AMOUNT` set the year's growth budget (admins); the pool is FUND_POOL_PCT of it"""


def fund_command(text: str, invocation: Invocation, slack_admin: bool = False) -> Reply:
    """Answer `/fund ...`; `slack_admin` says the person is a Slack workspace admin or owner."""
    word, _, rest = text.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    if word == "propose":
        # No database work before the modal opens: Slack's trigger id lives 3 seconds.
        return Reply(modal=render.proposal_modal())
    try:
        if word in ("", "pool", "summary") or (word.isdigit() and len(word) == 4 and not rest):
            return _summary(invocation, int(word) if word.isdigit() else None)
        if word == "list":
            return _list(rest, invocation)
        if word == "history":
            return _history(rest, invocation)
        if word == "budget":
            # Someone at the console runs the bot's own machine: they administer it.
            admin = slack_admin or invocation.surface == "console"
            return _budget(rest, invocation, admin)
        if word == "help":
            return Reply.text(HELP)
    except fund.FundError as problem:
        return Reply.error(str(problem))
    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1)
    hint = f' Did you mean "/fund {close[0]}"?' if close else ""
    return Reply.error(f"There is no /fund {word}.{hint} Try /fund help.")


def _summary(invocation: Invocation, year: int | None) -> Reply:
    settings = invocation.settings
    year = year or fund.current_year(settings, invocation.clock)
    summary = fund.fund_summary(invocation.db, invocation.workspace_id, year)
    return Reply(message=render.summary_message(summary, year, settings.currency))


def _list(rest: str, invocation: Invocation) -> Reply:
    settings = invocation.settings
    chosen = fund.parse_list_filter(rest)
    proposals = fund.list_proposals(
        invocation.db,
        invocation.workspace_id,
        status=chosen.status,
        user_id=invocation.user_id if chosen.mine else None,
        year=chosen.year,
    )
    what = "My proposals" if chosen.mine else "Proposals"
    if chosen.status:
        what += f" ({chosen.status.replace('_', ' ')})"
    message = render.list_message(proposals, settings.fund_approval, settings.currency, what)
    return Reply(message=message)


def _history(rest: str, invocation: Invocation) -> Reply:
    number = rest.strip().lstrip("#")
    if not number.isdigit():
        raise fund.FundError("Say which proposal, e.g. /fund history 12 (/fund list shows ids).")
    settings = invocation.settings
    proposal, events = fund.proposal_history(invocation.db, invocation.workspace_id, int(number))
    return Reply(
        message=render.history_message(proposal, events, settings.fund_approval, settings.currency)
    )


def _budget(rest: str, invocation: Invocation, admin: bool) -> Reply:
    parts = rest.split(maxsplit=1)
    if len(parts) != 2 or not parts[0].isdigit():
        raise fund.FundError("Write it as /fund budget YEAR AMOUNT, e.g. /fund budget 2027 12m.")
    settings = invocation.settings
    summary = fund.set_budget(
        invocation.db,
        settings,
        invocation.workspace_id,
        int(parts[0]),
        parts[1],
        invocation.user_id or "console",
        slack_admin=admin,
        clock=invocation.clock,
    )
    return Reply(message=render.budget_set_message(summary, settings.currency))


def home_section(invocation: Invocation) -> list[Block]:
    """The App Home fund section for the person looking: pool, waiting for them, theirs."""
    settings = invocation.settings
    year = fund.current_year(settings, invocation.clock)
    db, workspace = invocation.db, invocation.workspace_id
    user = invocation.user_id or ""
    mode = settings.fund_approval
    return render.home_blocks(
        fund.fund_summary(db, workspace, year),
        year,
        fund.awaiting(db, workspace, user, mode),
        fund.list_proposals(db, workspace, user_id=user, limit=10) if user else [],
        mode,
        settings.currency,
    )
