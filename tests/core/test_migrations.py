"""The Alembic history builds exactly the schema the models describe, on every backend."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from bot.core.db import Database, make_engine
from bot.core.migrate import is_migrated, upgrade
from bot.models import Base, Channel, Fund, Order, User


def test_migrated_schema_matches_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert not is_migrated(engine)
    upgrade(engine)
    assert is_migrated(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    names = set(inspect(engine).get_table_names())
    assert {table.name for table in Base.metadata.sorted_tables} <= names
    engine.dispose()


def test_upgrade_twice_is_a_no_op(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    upgrade(engine)
    assert is_migrated(engine)
    engine.dispose()


def test_check_constraints_hold(db: Database) -> None:
    with db.session() as session, session.begin():
        session.add(Channel(key="tiktok", name="TikTok", kind="paid", roi_benchmark=1.5))
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(Channel(key="bad", name="Bad", kind="billboard"))
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(
            Fund(workspace_id="T1", year=2027, budget=100, pool_pct=15, pool=15, approved=16)
        )


def test_foreign_keys_are_enforced(db: Database) -> None:
    from datetime import datetime

    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(User(id="u1", signed_up_at=datetime(2026, 1, 1), channel="nowhere"))
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(Order(id="o1", user_id="ghost", ordered_at=datetime(2026, 1, 1), amount=1))
    with db.session() as session:
        assert session.scalars(select(User)).all() == []


def test_write_transaction_takes_the_lock_first(db: Database) -> None:
    with db.write() as session:
        session.add(Channel(key="wechat", name="WeChat", kind="paid"))
    with db.session() as session:
        assert session.get(Channel, "wechat") is not None
