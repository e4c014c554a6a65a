"""`warroom okr ...`: objectives, key results and check-ins from a terminal."""

from __future__ import annotations

import json

import click

from bot.core.cli import ContextSource, workspace_option
from bot.okrs import render
from bot.okrs.objectives import (
    OkrError,
    add_key_result,
    add_okr,
    check_in,
    key_result_input,
    list_okrs,
)
from bot.okrs.progress import QuarterError, parse_quarter
from bot.okrs.scoring import score_okrs


@click.group("okr")
def okr_group() -> None:
    """Shared objectives and key results on live metrics, and their check-ins."""


@okr_group.command("add")
@click.argument("objective")
@click.option("--quarter", required=True, help="The quarter, e.g. 2027-Q1.")
@click.option("--team", required=True, metavar="joint|marketing|operations", help="Who owns it.")
@workspace_option
@click.pass_obj
def okr_add(
    source: ContextSource, objective: str, quarter: str, team: str, workspace: str | None
) -> None:
    """Add an OBJECTIVE for a quarter; prints its id."""
    try:
        okr_id = add_okr(source.context(workspace), objective, quarter, team)
    except OkrError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(okr_id)


@okr_group.command("kr", context_settings={"ignore_unknown_options": True})
@click.argument("okr_id", type=int)
@click.argument("query")
@click.option("--target", required=True, help="e.g. 3, 45% or 19.6%.")
@click.option("--baseline", default=None, help="Default: QUERY over the 30 days before.")
@click.option("--manual", is_flag=True, help="QUERY is the name of a number you check in.")
@workspace_option
@click.pass_obj
def okr_kr(
    source: ContextSource,
    okr_id: int,
    query: str,
    target: str,
    baseline: str | None,
    manual: bool,
    workspace: str | None,
) -> None:
    """Add a key result to OKR_ID: a metric QUERY ("/metric ltv_cac kind=paid") with a
    target; prints its id."""
    ctx = source.context(workspace)
    try:
        item = key_result_input(ctx, query, target, baseline, manual=manual)
        kr_id = add_key_result(ctx, okr_id, item)
    except OkrError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(kr_id)


@okr_group.command("checkin")
@click.argument("kr_id", type=int)
@click.option("--confidence", required=True, help="0 to 1 (or 0% to 100%).")
@click.option("--note", default="", help="What changed, what is next.")
@click.option("--value", default=None, help="A manual key result's value now.")
@workspace_option
@click.pass_obj
def okr_checkin(
    source: ContextSource,
    kr_id: int,
    confidence: str,
    note: str,
    value: str | None,
    workspace: str | None,
) -> None:
    """Check in on key result KR_ID: how confident you are, a note, and its value (manual)."""
    try:
        saved = check_in(source.context(workspace), kr_id, confidence, note, value)
    except OkrError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Checked in on KR #{saved.key_result_id}: confidence {saved.confidence:.0%}.")


@okr_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of text.")
@click.option("--quarter", default=None, help="Only this quarter's, e.g. 2027-Q1.")
@workspace_option
@click.pass_obj
def okr_list(
    source: ContextSource, as_json: bool, quarter: str | None, workspace: str | None
) -> None:
    """List the objectives, newest quarter first, with each key result's progress and status."""
    ctx = source.context(workspace)
    try:
        start = parse_quarter(quarter)[0] if quarter else None
    except QuarterError as problem:
        raise click.ClickException(str(problem)) from None  # English at the command line
    scored = score_okrs(ctx, list_okrs(ctx, start=start))
    if as_json:
        click.echo(json.dumps(render.okrs_json(scored), ensure_ascii=False))
    else:
        click.echo(render.okrs_text(scored, ctx.settings.currency))
