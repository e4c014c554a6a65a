"""The `warroom` command line: run, console, migrate, demo-data, import, ask, and the war
room's and the fund's commands. The top layer: it composes the app, the jobs and features."""

from __future__ import annotations

import json
import sys
import traceback
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.console import ConsoleSession, console_context, run_console
from bot.core.cli import workspace_option
from bot.core.clock import SYSTEM_CLOCK
from bot.core.context import Context
from bot.core.db import Database, DatabaseUnreachable, failure_reason, open_database, where
from bot.core.i18n import Language, words
from bot.core.logs import setup_logging
from bot.core.migrate import create_fact_tables, is_migrated, schema_problem, upgrade
from bot.core.settings import Settings, SettingsError, load_settings
from bot.core.text import clean_text, has_unsafe_characters
from bot.core.workspace import workspace_key
from bot.fund.cli import fund_group
from bot.language import (
    Unclear,
    Understanding,
    ask_question,
    not_sure_line,
    question_language,
    understood_line,
)
from bot.metrics import format as fmt
from bot.metrics import rollups as metric_rollups
from bot.metrics.parser import is_metric_list, is_metric_question
from bot.metrics.query import QueryError
from bot.metrics.registry import METRICS
from bot.okrs import okr_group
from bot.slack.server import serve
from bot.warroom import alerts as war_alerts
from bot.warroom.compose import digest_as_text
from bot.warroom.demo import seed_demo_state
from bot.warroom.render import alert_as_json, alerts_text
from bot.warroom.team import TeamError, add_member, list_members, remove_member
from handlers import create_app
from handlers.commands.table import answer_line, json_answer
from jobs.digest import send_digest
from jobs.scheduler import run_forever, start_scheduler

# Long-running commands whose log is how an operator follows them.
SERVING_COMMANDS = {"run", "scheduler"}


class CliState:
    """Settings and stores, opened on first use so `--help` works with a broken .env."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._db: Database | None = None
        self.debug = False

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except SettingsError as error:
                raise click.ClickException(str(error)) from None
            setup_logging(self._log_level())
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
            # Checked to answer first: a wrong DATABASE_URL is one line in every command.
            self._db = open_database(self.settings)
        return self._db

    def database_problem(self, error: Exception) -> str:
        """The one line that tells the operator a store failed (the password masked)."""
        if isinstance(error, DatabaseUnreachable) or self._db is None:
            return str(error)
        return f"Database error ({where(self._db.state)}): {failure_reason(self._db.state, error)}"

    def context(self, workspace: str | None = None) -> Context:
        """The Context of the operator at the command line, in `workspace` (default: the
        single workspace)."""
        return Context(
            env=self.settings,
            db=self.db,
            workspace_id=workspace_key(self.settings, workspace),
            surface="cli",
        )


pass_context = click.make_pass_decorator(CliState, ensure=True)
DATABASE_ERRORS = (DatabaseUnreachable, OperationalError, InterfaceError)


class RootGroup(click.Group):
    """`warroom`: refuses arguments that are not text, and ends every command whose store
    fails with one line and exit status 2 (the traceback too with --debug)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Refuse an argument holding a NUL or undecodable bytes, before any command runs."""
        for position, arg in enumerate(args, 1):
            if has_unsafe_characters(arg):
                raise click.UsageError(
                    f"argument {position} ({clean_text(arg)!r}) holds a NUL or bytes that are "
                    "not UTF-8 text; type it again.",
                    ctx,
                )
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a store that cannot be reached is one line and exit 2."""
        try:
            return super().invoke(ctx)
        except DATABASE_ERRORS as error:
            state = ctx.find_object(CliState) or CliState()
            if state.debug:
                traceback.print_exception(error)
            click.echo(state.database_problem(error), err=True)
            ctx.exit(2)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback when a command fails.")
@click.pass_context
def cli(click_context: click.Context, debug: bool) -> None:
    """War Room bot: growth metrics, the daily war room and the joint innovation fund."""
    click_context.ensure_object(CliState).debug = debug


cli.add_command(fund_group)
cli.add_command(okr_group)


@cli.command()
@click.option(
    "--analytics",
    is_flag=True,
    help="Also create the growth-fact tables missing in ANALYTICS_DATABASE_URL.",
)
@pass_context
def migrate(state: CliState, analytics: bool) -> None:
    """Create or upgrade the bot's database to the newest schema."""
    before = "created" if not is_migrated(state.db.state) else schema_problem(state.db.state)
    upgrade(state.db.state)
    if state.db.analytics is not state.db.state:
        if analytics:
            created = create_fact_tables(state.db.analytics)
            click.echo(
                f"Created the fact tables {', '.join(created)} in ANALYTICS_DATABASE_URL."
                if created
                else "ANALYTICS_DATABASE_URL has every fact table (or is a folder of Parquet "
                "files: TABLE.parquet or TABLE/ per table)."
            )
        else:
            click.echo(
                "Growth facts are read from ANALYTICS_DATABASE_URL; it is not migrated "
                "(--analytics creates the fact tables missing there)."
            )
    t = words(state.settings.language)
    if before == "created":
        click.echo(t._("Database created (DATABASE_URL, newest schema)."))
    elif before:
        click.echo(t._("Database upgraded to the newest schema."))
    else:
        click.echo(t._("Database is up to date."))


@cli.command()
@pass_context
def console(state: CliState) -> None:
    """Open the local console: type Slack commands, read the answers."""
    asked = console_context(state.settings, state.db)
    session = ConsoleSession(asked, read=input)
    sys.exit(run_console(lambda text: session.answer(clean_text(text))))


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP mode: address to bind.")
@pass_context
def run(state: CliState, host: str) -> None:
    """Start the bot: Socket Mode with SLACK_APP_TOKEN, HTTP on PORT with SLACK_BOT_TOKEN or
    SLACK_CLIENT_ID (OAuth), otherwise the local console."""
    settings = state.settings
    if settings.slack_mode == "console":
        click.echo("No Slack settings found (SLACK_BOT_TOKEN ...): opening the local console.")
        ctx_obj = click.get_current_context()
        ctx_obj.invoke(console)
        return
    problem = schema_problem(state.db.state)
    if problem:
        raise click.ClickException(f"Cannot start: {problem} (make run does both).")
    if settings.slack_mode != "socket" and not settings.slack_signing_secret:
        raise click.ClickException(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to check that requests come "
            "from Slack (Basic Information -> App Credentials in your app's settings)."
        )
    base = Context(env=settings, db=state.db, surface="slack")
    app = create_app(base)
    # Every serving mode runs the scheduled jobs beside the app, in this process.
    start_scheduler(base)
    serve(app, settings, host, db=state.db)


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
    state: CliState,
    users: int,
    days: int,
    seed: int,
    end_date: object,
    if_empty: bool,
    replace: bool,
) -> None:
    """Generate a deterministic, believable demo data set and load it."""
    # Imported here: the data loaders need pandas (0.3 s at start-up), which other commands
    # should not pay for.
    from bot.data import demo

    settings = state.settings
    last_day = end_date.date() if end_date else _yesterday(settings)  # type: ignore[attr-defined]
    try:
        with _progress_bar("demo data (users)", users) as bar:
            summary = demo.load_demo(
                state.db,
                users=users,
                days=days,
                seed=seed,
                end_date=last_day,
                if_empty=if_empty,
                replace=replace,
                progress=bar.update if bar else None,
            )
    except demo.DemoDataError as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary)
    if not summary.skipped:
        _refresh_rollups(settings, state.db)
    for line in seed_demo_state(state.context(), SYSTEM_CLOCK.today(settings.tz)):
        click.echo(line)


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
def import_(
    state: CliState, table: str, file: Path, skip_invalid: bool, rejects: Path | None
) -> None:
    """Import TABLE (channels, campaigns, spend, users, leads, orders, activity, touchpoints)
    from FILE."""
    # Imported here: the data loaders need pandas (0.3 s at start-up), which other commands
    # should not pay for.
    from bot.data.importer import ImportFailed, import_file

    try:
        with _progress_bar(f"import {table} (rows read)") as bar:
            report = import_file(
                state.db,
                state.settings,
                table,
                file,
                skip_invalid=skip_invalid,
                rejects_path=rejects,
                progress=bar.update if bar else None,
            )
    except ImportFailed as failure:
        click.echo(str(failure), err=True)
        sys.exit(1)
    click.echo(str(report))
    _refresh_rollups(state.settings, state.db)


def _refresh_rollups(settings: Settings, db: Database) -> None:
    click.echo(str(metric_rollups.refresh(settings, db, progress=_progress_line())))


def _progress_line():  # type: ignore[no-untyped-def]
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"  {message} ...", err=True)


def _progress_bar(label: str, length: int | None = None):  # type: ignore[no-untyped-def]
    """click's progress bar on stderr when it is a terminal (else None: no progress output),
    counting up to `length` or, without one, just counting. Its `update(count)` is the
    progress callback of a data load."""
    if not sys.stderr.isatty():
        return nullcontext()
    return click.progressbar(
        # Without a length click needs an iterable of unknown size: iter(int, 1) never ends.
        None if length else iter(int, 1),
        length=length,
        label=label,
        show_pos=True,
        file=sys.stderr,
    )


# --------------------------------------------------------------------------- metrics


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@pass_context
def ask(state: CliState, text: tuple[str, ...], as_json: bool) -> None:
    """Answer TEXT as Slack would, e.g. warroom ask "/ltv channel=tiktok" (exit 2 if bad)."""
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
            click.echo(fmt.metrics_list_text(state.settings.language))
        return
    if not is_metric_question(line):
        if as_json:
            _json_answer(state, line)
            return
        reply = answer_line(line, console_context(state.settings, state.db))
        click.echo(reply.as_text(), err=reply.failed)
        if reply.failed:
            sys.exit(2)
        return
    ctx = state.context()
    language = question_language(line) or ctx.lang
    try:
        # In the query language, or in plain words (English or Chinese) understood first.
        asked = ask_question(line, ctx)
    except Unclear as unclear:
        _unclear(unclear.understanding, as_json, language)
    except QueryError as problem:
        click.echo(words(language).say(problem), err=True)
        sys.exit(2)
    understood = asked.understood_as
    if as_json:
        data = fmt.result_as_json(asked.result)
        data["understood_as"] = understood
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        if understood is not None:
            said = understood_line(understood, asked.ignored, asked.corrected, language)
            click.echo(said.replace("`", ""))
        click.echo(fmt.result_as_text(asked.result, state.settings, language))


def _json_answer(state: CliState, line: str) -> None:
    """Print the JSON answer of a command that has one (`/journey ...`); exit 2 otherwise."""
    asked = console_context(state.settings, state.db)
    try:
        data = json_answer(line, asked)
    except ValueError as problem:  # QueryError, a journey file to fix: what to change
        click.echo(asked.words.say(problem), err=True)
        sys.exit(2)
    if data is None:
        click.echo(
            "--json answers metric questions and /journey (e.g. /ltv channel=tiktok)", err=True
        )
        sys.exit(2)
    click.echo(json.dumps(data, ensure_ascii=False))


def _unclear(understanding: Understanding, as_json: bool, language: Language) -> NoReturn:
    """A question with no one reading: its closest readings, and exit status 2."""
    if as_json:
        problem = {
            "understood_as": None,
            "problem": None if understanding.problem is None else str(understanding.problem),
            "choices": list(understanding.choices),
        }
        click.echo(json.dumps(problem, ensure_ascii=False))
    else:
        click.echo(not_sure_line(understanding.problem, language), err=True)
        for number, command in enumerate(understanding.choices, 1):
            click.echo(f"  {number}. {command}", err=True)
    sys.exit(2)


@cli.command()
@click.option("--full", is_flag=True, help="Rebuild every day, not only the days that changed.")
@pass_context
def rollups(state: CliState, full: bool) -> None:
    """Bring the metric rollups up to date (only the changed days unless --full)."""
    report = metric_rollups.refresh(state.settings, state.db, full=full, progress=_progress_line())
    click.echo(str(report))


# --------------------------------------------------------------------------- war room


@cli.group()
def team() -> None:
    """Who is in marketing and operations, and who approves fund proposals."""


@team.command("add")
@click.argument("team_name", metavar="marketing|operations")
@click.argument("user_id")
@click.option("--approver", is_flag=True, help="May approve fund proposals for this team.")
@click.option("--admin", is_flag=True, help="May change settings and the team from Slack.")
@workspace_option
@pass_context
def team_add(
    state: CliState,
    team_name: str,
    user_id: str,
    approver: bool,
    admin: bool,
    workspace: str | None,
) -> None:
    """Put USER_ID (a Slack user id such as U012ABCDEF) in a team."""
    try:
        added = add_member(
            state.db,
            state.context(workspace).workspace_id,
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
@workspace_option
@pass_context
def team_remove(state: CliState, user_id: str, workspace: str | None) -> None:
    """Take USER_ID out of the growth team."""
    if not remove_member(state.db, state.context(workspace).workspace_id, user_id.strip()):
        raise click.ClickException(f"{user_id} is not in marketing or operations")
    click.echo(f"{user_id} removed")


@team.command("list")
@workspace_option
@pass_context
def team_list(state: CliState, workspace: str | None) -> None:
    """List the members of both teams."""
    members = list_members(state.db, state.context(workspace).workspace_id)
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
@click.option(
    "--force",
    is_flag=True,
    help="With --send: post it even if it went out already, or when its run is uncertain "
    "(you checked the channel and it is not there).",
)
@workspace_option
@pass_context
def digest(
    state: CliState, mode: str | None, day: object, force: bool, workspace: str | None
) -> None:
    """Print (--dry-run) or post (--send) the daily war-room digest."""
    if mode is None:
        raise click.UsageError("choose --dry-run (print it) or --send (post it)")
    asked = state.context(workspace)
    if mode == "dry-run":
        click.echo(digest_as_text(asked, day.date() if day else None))  # type: ignore[attr-defined]
        return
    outcome = send_digest(
        asked,
        SYSTEM_CLOCK.now(),
        day=day.date() if day else None,  # type: ignore[attr-defined]
        manual=True,
        force=force,
    )
    click.echo(outcome.message)
    if outcome.status in ("failed", "uncertain"):
        sys.exit(1)


@cli.command("alerts")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of text.")
@workspace_option
@pass_context
def alerts_(state: CliState, as_json: bool, workspace: str | None) -> None:
    """Evaluate the playbook now and list the open alerts (the hourly job posts them)."""
    asked = state.context(workspace)
    settings = asked.settings
    war_alerts.evaluate(settings, asked.db, asked.workspace_id, SYSTEM_CLOCK)
    shown = war_alerts.open_alerts(asked.db, asked.workspace_id)
    if as_json:
        rows = [alert_as_json(alert) for alert in shown]
        click.echo(json.dumps(rows, ensure_ascii=False, default=str))
    else:
        click.echo(alerts_text(shown, settings.currency, asked.lang))


@cli.command()
@pass_context
def scheduler(state: CliState) -> None:
    """Run only the scheduler (digest, stand-up prompts, rollups and alerts) until stopped."""
    run_forever(Context(env=state.settings, db=state.db))


def _yesterday(settings: Settings) -> date:
    return SYSTEM_CLOCK.yesterday(settings.tz)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="warroom")


if __name__ == "__main__":
    main()
