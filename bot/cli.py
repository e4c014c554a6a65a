"""The `warroom` command line: run, console, migrate, demo-data, import."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import click

from bot.core.clock import SYSTEM_CLOCK
from bot.core.context import Services
from bot.core.db import Database
from bot.core.settings import Settings, SettingsError, load_settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Long-running commands whose log is how an operator follows them.
SERVING_COMMANDS = {"run", "scheduler"}


class Context:
    """Settings and stores, opened on first use so `--help` works with a broken .env."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._db: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except SettingsError as error:
                raise click.ClickException(str(error)) from None
            logging.basicConfig(level=self._log_level(), format=LOG_FORMAT)
        return self._settings

    def _log_level(self) -> str:
        # One-shot commands print their own report; their INFO lines would only repeat it.
        command = click.get_current_context(silent=True)
        name = command.find_root().invoked_subcommand if command else None
        level = self._settings.log_level if self._settings else "INFO"
        return "WARNING" if name not in SERVING_COMMANDS and level == "INFO" else level

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database.from_settings(self.settings)
        return self._db


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """War Room bot: growth metrics, the daily war room and the joint innovation fund."""


@cli.command()
@pass_context
def migrate(ctx: Context) -> None:
    """Create or upgrade the bot's database to the newest schema."""
    from bot.core.migrate import upgrade

    upgrade(ctx.db.state)
    if ctx.db.analytics is not ctx.db.state:
        click.echo("Growth facts are read from ANALYTICS_DATABASE_URL; it is not migrated.")
    click.echo("Database is up to date.")


@cli.command()
@pass_context
def console(ctx: Context) -> None:
    """Open the local console: type Slack commands, read the answers."""
    from bot.commands import answer_text
    from bot.console import run_console

    settings, db = ctx.settings, ctx.db
    sys.exit(run_console(lambda text: answer_text(text, settings, db)))


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP mode: address to bind.")
@pass_context
def run(ctx: Context, host: str) -> None:
    """Start the bot: Socket Mode with SLACK_APP_TOKEN, HTTP on PORT with SLACK_BOT_TOKEN or
    SLACK_CLIENT_ID (OAuth), otherwise the local console."""
    settings = ctx.settings
    if settings.slack_mode == "console":
        click.echo("No Slack settings found (SLACK_BOT_TOKEN ...): opening the local console.")
        ctx_obj = click.get_current_context()
        ctx_obj.invoke(console)
        return
    from bot.slack.server import run_bot, schema_problem

    problem = schema_problem(ctx.db)
    if problem:
        raise click.ClickException(f"Cannot start: {problem} (make run does both).")
    if settings.slack_mode != "socket" and not settings.slack_signing_secret:
        raise click.ClickException(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to check that requests come "
            "from Slack (Basic Information -> App Credentials in your app's settings)."
        )
    run_bot(settings, ctx.db, host=host)


@cli.command("demo-data")
@click.option("--users", default=20_000, show_default=True, type=click.IntRange(min=10))
@click.option("--days", default=365, show_default=True, type=click.IntRange(min=28))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--end-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of data (default: yesterday in TIMEZONE).",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when growth facts are already loaded.")
@click.option("--replace", is_flag=True, help="Delete the growth facts loaded before.")
@pass_context
def demo_data(
    ctx: Context,
    users: int,
    days: int,
    seed: int,
    end_date: object,
    if_empty: bool,
    replace: bool,
) -> None:
    """Generate a deterministic, believable demo data set and load it."""
    from bot.data import demo

    settings = ctx.settings
    last_day = end_date.date() if end_date else _yesterday(settings)  # type: ignore[attr-defined]
    try:
        summary = demo.load_demo(
            ctx.db,
            users=users,
            days=days,
            seed=seed,
            end_date=last_day,
            if_empty=if_empty,
            replace=replace,
            progress=sys.stderr.isatty(),
        )
    except demo.DemoDataError as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary)
    if not summary.skipped:
        _refresh_rollups(settings, ctx.db)


@cli.command("import")
@click.argument("table")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Load the good rows; write the bad to a file.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where --skip-invalid writes the bad rows (default: FILE.rejects.csv).",
)
@pass_context
def import_(ctx: Context, table: str, file: Path, skip_invalid: bool, rejects: Path | None) -> None:
    """Import TABLE (channels, campaigns, spend, users, leads, orders, activity) from FILE."""
    from bot.data.importer import ImportFailed, import_file

    try:
        report = import_file(
            ctx.db,
            ctx.settings,
            table,
            file,
            skip_invalid=skip_invalid,
            rejects_path=rejects,
            progress=sys.stderr.isatty(),
        )
    except ImportFailed as failure:
        click.echo(str(failure), err=True)
        sys.exit(1)
    click.echo(str(report))
    _refresh_rollups(ctx.settings, ctx.db)


def _refresh_rollups(settings: Settings, db: Database) -> None:
    from bot.metrics import rollups

    click.echo(str(rollups.refresh(settings, db, progress=_progress_line())))


def _progress_line():  # type: ignore[no-untyped-def]
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"  {message} ...", err=True)


# --------------------------------------------------------------------------- metrics


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@pass_context
def ask(ctx: Context, text: tuple[str, ...], as_json: bool) -> None:
    """Answer TEXT as Slack would, e.g. warroom ask "/ltv channel=tiktok" (exit 2 if bad)."""
    import json

    from bot.metrics import format as fmt
    from bot.metrics.engine import ask as ask_engine
    from bot.metrics.parser import is_metric_list, is_metric_question
    from bot.metrics.query import QueryError
    from bot.metrics.registry import METRICS

    line = " ".join(text).strip()
    if is_metric_list(line):
        if as_json:
            rows = [
                {
                    "name": m.name,
                    "aliases": list(m.aliases),
                    "unit": m.unit,
                    "good": m.good,
                    "formula": m.formula,
                }
                for m in METRICS
            ]
            click.echo(json.dumps({"metrics": rows}, ensure_ascii=False))
        else:
            click.echo(fmt.metrics_list_text())
        return
    if not is_metric_question(line):
        if as_json:
            click.echo("--json answers metric questions only (e.g. /ltv channel=tiktok)", err=True)
            sys.exit(2)
        from bot.commands import answer_line, reply_as_text

        reply = answer_line(line, ctx.settings, ctx.db)
        click.echo(reply_as_text(reply), err=reply.failed)
        if reply.failed:
            sys.exit(2)
        return
    try:
        result = ask_engine(line, ctx.settings, ctx.db)
    except QueryError as problem:
        click.echo(str(problem), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(fmt.result_as_json(result), ensure_ascii=False))
    else:
        click.echo(fmt.result_as_text(result, ctx.settings))


@cli.command()
@click.option("--full", is_flag=True, help="Rebuild every day, not only the days that changed.")
@pass_context
def rollups(ctx: Context, full: bool) -> None:
    """Bring the metric rollups up to date (only the changed days unless --full)."""
    from bot.metrics import rollups as metric_rollups

    report = metric_rollups.refresh(ctx.settings, ctx.db, full=full, progress=_progress_line())
    click.echo(str(report))


# --------------------------------------------------------------------------- war room


def _workspace(ctx: Context, workspace: str | None) -> str:
    from bot.core.workspace import workspace_key

    return workspace_key(ctx.settings, workspace)


WORKSPACE_OPTION = click.option(
    "--workspace",
    default=None,
    metavar="TEAM_ID",
    help="Slack team id (OAuth installs); single-workspace bots need none.",
)


@cli.group()
def team() -> None:
    """Who is in marketing and operations, and who approves fund proposals."""


@team.command("add")
@click.argument("team_name", metavar="marketing|operations")
@click.argument("user_id")
@click.option("--approver", is_flag=True, help="May approve fund proposals for this team.")
@click.option("--admin", is_flag=True, help="May change settings and the team from Slack.")
@WORKSPACE_OPTION
@pass_context
def team_add(
    ctx: Context, team_name: str, user_id: str, approver: bool, admin: bool, workspace: str | None
) -> None:
    """Put USER_ID (a Slack user id such as U012ABCDEF) in a team."""
    from bot.warroom.team import TeamError, add_member

    try:
        added = add_member(
            ctx.db,
            _workspace(ctx, workspace),
            user_id.strip(),
            team_name,
            approver=approver,
            admin=admin,
            by="cli",
        )
    except TeamError as problem:
        raise click.ClickException(str(problem)) from None
    roles = _roles(added)
    click.echo(f"{added.user_id} is in {added.team}" + (f" ({roles})" if roles else ""))


def _roles(person: object) -> str:
    flags = (("approver", person.is_approver), ("admin", person.is_admin))  # type: ignore[attr-defined]
    return ", ".join(name for name, on in flags if on)


@team.command("remove")
@click.argument("user_id")
@WORKSPACE_OPTION
@pass_context
def team_remove(ctx: Context, user_id: str, workspace: str | None) -> None:
    """Take USER_ID out of the growth team."""
    from bot.warroom.team import remove_member

    if not remove_member(ctx.db, _workspace(ctx, workspace), user_id.strip()):
        raise click.ClickException(f"{user_id} is not in marketing or operations")
    click.echo(f"{user_id} removed")


@team.command("list")
@WORKSPACE_OPTION
@pass_context
def team_list(ctx: Context, workspace: str | None) -> None:
    """List the members of both teams."""
    from bot.warroom.team import list_members

    members = list_members(ctx.db, _workspace(ctx, workspace))
    if not members:
        click.echo("Nobody yet: add people with `warroom team add marketing U012ABCDEF`.")
        return
    for person in members:
        click.echo(f"{person.team:<11} {person.user_id}  {_roles(person)}".rstrip())


@cli.command()
@click.option("--dry-run", "mode", flag_value="dry-run", help="Print the digest as text.")
@click.option("--send", "mode", flag_value="send", help="Post it to the digest channel.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The digest's date (it reports the day before); default: today in TIMEZONE.",
)
@click.option("--force", is_flag=True, help="With --send: post even if it went out already.")
@WORKSPACE_OPTION
@pass_context
def digest(ctx: Context, mode: str | None, day: object, force: bool, workspace: str | None) -> None:
    """Print (--dry-run) or post (--send) the daily war-room digest."""
    if mode is None:
        raise click.UsageError("choose --dry-run (print it) or --send (post it)")
    services = Services(ctx.settings, ctx.db, SYSTEM_CLOCK)
    workspace_id = _workspace(ctx, workspace)
    if mode == "dry-run":
        from jobs.digest import digest_as_text

        click.echo(digest_as_text(services, workspace_id, day.date() if day else None))  # type: ignore[attr-defined]
        return
    from jobs.digest import send_digest

    outcome = send_digest(
        services,
        workspace_id,
        SYSTEM_CLOCK.now(),
        day=day.date() if day else None,  # type: ignore[attr-defined]
        manual=True,
        force=force,
    )
    click.echo(outcome.message)
    if outcome.status == "failed":
        sys.exit(1)


@cli.command()
@pass_context
def scheduler(ctx: Context) -> None:
    """Run only the scheduler (digest, stand-up prompts, rollups and alerts) until stopped."""
    from jobs.scheduler import run_forever

    run_forever(Services(ctx.settings, ctx.db, SYSTEM_CLOCK))


# --------------------------------------------------------------------------- fund


@cli.group("fund")
def fund_group() -> None:
    """The joint innovation fund: the year's budget, proposals and their history."""


def _fund_echo(message: dict) -> None:  # type: ignore[type-arg]
    from bot.core.render import blocks_as_text

    click.echo(blocks_as_text(message))


@fund_group.command("budget", context_settings={"ignore_unknown_options": True})
@click.argument("year", type=int)
@click.argument("amount")
@WORKSPACE_OPTION
@pass_context
def fund_budget(ctx: Context, year: int, amount: str, workspace: str | None) -> None:
    """Set YEAR's growth budget to AMOUNT (12000000, 12m, 1200w); the pool is FUND_POOL_PCT."""
    from bot.fund import FundError, set_budget
    from bot.fund.render import budget_set_message

    try:
        summary = set_budget(
            ctx.db, ctx.settings, _workspace(ctx, workspace), year, amount, "cli", slack_admin=True
        )
    except FundError as problem:
        raise click.ClickException(str(problem)) from None
    _fund_echo(budget_set_message(summary, ctx.settings.currency))


@fund_group.command("list")
@click.option("--status", default=None, help="pending, approved, rejected, changes_requested, ...")
@click.option("--year", type=int, default=None, help="Only proposals drawing on YEAR's pool.")
@WORKSPACE_OPTION
@pass_context
def fund_list(ctx: Context, status: str | None, year: int | None, workspace: str | None) -> None:
    """List proposals, newest first."""
    from bot.fund import FundError, list_proposals, parse_list_filter
    from bot.fund.render import list_message

    try:
        chosen = parse_list_filter(f"status={status}" if status else "")
    except FundError as problem:
        raise click.ClickException(str(problem)) from None
    settings = ctx.settings
    proposals = list_proposals(
        ctx.db, _workspace(ctx, workspace), status=chosen.status, year=year, limit=200
    )
    _fund_echo(list_message(proposals, settings.fund_approval, settings.currency))


@fund_group.command("history")
@click.argument("proposal_id", type=int)
@WORKSPACE_OPTION
@pass_context
def fund_history(ctx: Context, proposal_id: int, workspace: str | None) -> None:
    """Show every transition of proposal PROPOSAL_ID: who, when, from, to, note."""
    from bot.fund import FundError, proposal_history
    from bot.fund.render import history_message

    try:
        proposal, events = proposal_history(ctx.db, _workspace(ctx, workspace), proposal_id)
    except FundError as problem:
        raise click.ClickException(str(problem)) from None
    settings = ctx.settings
    _fund_echo(history_message(proposal, events, settings.fund_approval, settings.currency))


def _yesterday(settings: Settings) -> date:
    return SYSTEM_CLOCK.yesterday(settings.tz)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="warroom")


if __name__ == "__main__":
    main()
