"""Alembic environment: one migration history for the whole schema (see bot/models/)."""

from alembic import context

from bot.core.db import make_engine
from bot.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    # `warroom migrate` passes the URL; Alembic's own CLI falls back to the settings.
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.core.settings import load_settings

    return load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch lets later migrations alter tables on SQLite too.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
