"""Running the bot: check the schema, start the background jobs, then serve the Slack app."""

from __future__ import annotations

from bot.core.context import Services
from bot.core.db import Database
from bot.core.settings import Settings


def schema_problem(db: Database) -> str | None:
    """Why the state store cannot be served yet (not migrated, or behind), or None."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.core.migrate import alembic_config, is_migrated

    if not is_migrated(db.state):
        return "the database at DATABASE_URL is not migrated yet; run `warroom migrate` first"
    script = ScriptDirectory.from_config(alembic_config(str(db.state.url)))
    with db.state.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != set(script.get_heads()):
        return "the database at DATABASE_URL is behind this version; run `warroom migrate`"
    return None


def start_background_jobs(services: Services) -> None:
    """Start the scheduled jobs (digest, stand-up prompts, rollups, alerts) beside the app.

    The scheduler lives in jobs/; this is the one place every serving mode starts it.
    """
    from jobs.scheduler import start_scheduler

    start_scheduler(services)


def run_bot(settings: Settings, db: Database, host: str = "0.0.0.0") -> None:
    """`warroom run` with Slack settings: build the app, start the jobs, serve until stopped."""
    from bot.slack.app import create_app, serve

    services = Services(settings=settings, db=db)
    app = create_app(settings, db)
    start_background_jobs(services)
    serve(app, settings, host)
