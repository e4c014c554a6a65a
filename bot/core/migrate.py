"""Schema migrations: `warroom migrate` upgrades a store to the newest Alembic revision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect

import migrations

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic config for this project's migrations against one database URL."""
    # Alembic is imported when it is used: it costs 0.3 s at every start-up otherwise.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind `engine` to `revision` (default: the newest)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_migrated(engine: Engine) -> bool:
    """True when the database has been migrated at least once."""
    return inspect(engine).has_table("alembic_version")


def schema_problem(engine: Engine) -> str | None:
    """Why the state store cannot be served yet (not migrated, or behind), or None."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if not is_migrated(engine):
        return "the database at DATABASE_URL is not migrated yet; run `warroom migrate` first"
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != set(script.get_heads()):
        return "the database at DATABASE_URL is behind this version; run `warroom migrate`"
    return None
