"""`warroom fund ...`: the year's budget, the proposals and their history, from a terminal."""

from __future__ import annotations

import click

from bot.core.cli import ContextSource, echo_message, workspace_option
from bot.fund import reading, render
from bot.fund.errors import FundError
from bot.fund.ledger import set_budget


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
        raise click.ClickException(str(problem)) from None
    echo_message(render.budget_set_message(summary, ctx.settings.currency))


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
    echo_message(render.list_message(proposals, settings.fund_approval, settings.currency))


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
        raise click.ClickException(str(problem)) from None
    settings = ctx.settings
    echo_message(render.history_message(proposal, events, settings.fund_approval))
