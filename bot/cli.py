"""The `warroom` command line: run, console, migrate, demo-data, import."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import click

from bot.clock import SYSTEM_CLOCK
from bot.db import Database
from bot.settings import Settings, SettingsError, load_settings


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
            logging.basicConfig(
                level=self._settings.log_level,
                format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            )
        return self._settings

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
    from bot.migrate import upgrade

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
@pass_context
def run(ctx: Context) -> None:
    """Start the bot: connected to Slack when tokens are set, otherwise the local console."""
    settings = ctx.settings
    if settings.slack_mode == "console":
        click.echo("No Slack settings found (SLACK_BOT_TOKEN ...): opening the local console.")
        ctx_obj = click.get_current_context()
        ctx_obj.invoke(console)
        return
    raise click.ClickException(
        "Connecting to Slack is not available in this version yet; "
        "unset the SLACK_* settings to use the local console."
    )


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
    from bot import demo

    settings = ctx.settings
    last_day = end_date.date() if end_date else _yesterday(settings)  # type: ignore[attr-defined]
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
    click.echo(summary)


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
    from bot.importer import ImportFailed, import_file

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


def _yesterday(settings: Settings) -> date:
    return SYSTEM_CLOCK.yesterday(settings.tz)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="warroom")


if __name__ == "__main__":
    main()
