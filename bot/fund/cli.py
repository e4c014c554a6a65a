"""`warroom fund ...`: the year's budget, the proposals and their history, from a terminal."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

import click

from bot.core.cli import ContextSource, echo_message, workspace_option
from bot.fund import reading, render
from bot.fund.errors import FundError, InvalidInput
from bot.fund.forms import ProposalDraft
from bot.fund.ledger import set_budget, submit_proposal


@click.group("fund")
def fund_group() -> None:
    """The joint innovation fund: the year's budget, proposals and their history."""


@fund_group.command("budget", context_settings={"ignore_unknown_options": True})
@click.argument("year", type=int)
@click.argument("amount")
@workspace_option
@click.pass_obj
def fund_budget(source: ContextSource, year: int, amount: str, workspace: str | None) -> None:
    """Set YEAR's growth budget to AMOUNT (12000000, 12m, 1200w); the pool is FUND_POOL_PCT."""
    ctx = source.context(workspace)
    try:
        summary = set_budget(ctx, year, amount)
    except FundError as problem:
        raise click.ClickException(ctx.words.say(problem)) from None
    echo_message(render.budget_set_message(summary, ctx.settings.currency, ctx.lang))


@fund_group.command("list")
@click.option("--status", default=None, help="pending, approved, rejected, changes_requested, ...")
@click.option("--year", type=int, default=None, help="Only proposals drawing on YEAR's pool.")
@workspace_option
@click.pass_obj
def fund_list(
    source: ContextSource, status: str | None, year: int | None, workspace: str | None
) -> None:
    """List proposals, newest first."""
    try:
        chosen = reading.parse_list_filter(f"status={status}" if status else "")
    except FundError as problem:
        raise click.ClickException(str(problem)) from None
    ctx = source.context(workspace)
    settings = ctx.settings
    proposals = reading.list_proposals(ctx, status=chosen.status, year=year, limit=200)
    what = ctx.words._("Proposals")
    echo_message(
        render.list_message(proposals, settings.fund_approval, settings.currency, what, ctx.lang)
    )


@fund_group.command("history")
@click.argument("proposal_id", type=int)
@workspace_option
@click.pass_obj
def fund_history(source: ContextSource, proposal_id: int, workspace: str | None) -> None:
    """Show every transition of proposal PROPOSAL_ID: who, when, from, to, note."""
    ctx = source.context(workspace)
    try:
        proposal, events = reading.proposal_history(ctx, proposal_id)
    except FundError as problem:
        raise click.ClickException(ctx.words.say(problem)) from None
    settings = ctx.settings
    echo_message(render.history_message(proposal, events, settings.fund_approval, ctx.lang))


# What `fund propose` asks for, in the order of the form: (field, option, prompt).
PROPOSAL_OPTIONS = (
    ("title", "--title", "Title"),
    ("problem", "--problem", "Problem"),
    ("plan", "--plan", "Plan"),
    ("amount", "--amount", "Amount (12000, 12k, 1.2w)"),
    ("impact_metric", "--metric", "Expected impact: metric (e.g. ltv_cac)"),
    ("impact_target", "--target", "Expected impact: target value (e.g. 3.5 or 40%)"),
    ("marketing_sponsor", "--marketing-sponsor", "Marketing sponsor (Slack user id)"),
    ("operations_sponsor", "--operations-sponsor", "Operations sponsor (Slack user id)"),
    ("start_date", "--start", "Start date (YYYY-MM-DD)"),
    ("end_date", "--end", "End date (YYYY-MM-DD)"),
)


def _proposal_options(command: Any) -> Any:
    for field, option, prompt in reversed(PROPOSAL_OPTIONS):
        command = click.option(option, field, prompt=prompt, help=prompt + ".")(command)
    return command


@fund_group.command("propose")
@_proposal_options
@click.option("--as", "submitter", default=None, metavar="USER_ID", help="Who submits it.")
@workspace_option
@click.pass_obj
def fund_propose(
    source: ContextSource, submitter: str | None, workspace: str | None, **fields: str
) -> None:
    """Submit a proposal: every field as an option, or asked one by one (exit 2 if bad)."""
    ctx = source.context(workspace)
    if submitter:
        ctx = replace(ctx, actor=submitter)
    t = ctx.words
    try:
        proposal = submit_proposal(ctx, ProposalDraft.from_values(fields))
    except InvalidInput as invalid:
        names = {field: option for field, option, _ in PROPOSAL_OPTIONS}
        for field, problem in invalid.errors_in(ctx.lang).items():
            click.echo(f"{names.get(field, field)}: {problem}", err=True)
        sys.exit(2)
    except FundError as problem:
        raise click.ClickException(t.say(problem)) from None
    settings = ctx.settings
    echo_message(
        render.proposal_message(proposal, settings.fund_approval, settings.currency, ctx.lang)
    )
    click.echo(
        t._(
            "Proposal #{id} is saved, waiting for approval (approvers see it in /fund list and "
            "on the Home tab).",
            id=proposal.id,
        )
    )
