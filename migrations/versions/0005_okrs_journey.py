"""okrs on live metrics: objectives owned by marketing, operations or both (team, joint),
key results of kind metric or manual, check-ins, the objective's message; the optional
touchpoints fact table; leads.first_contact_at and the lead response rollup

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:14:45.733175
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TEAMS = "owner_team IS NULL OR owner_team IN ('marketing', 'operations')"
TEAMS = "team IN ('marketing', 'operations', 'joint')"
KINDS = "kind IN ('metric', 'manual')"
DESCRIBED = "(kind = 'metric' AND query IS NOT NULL) OR (kind = 'manual' AND title IS NOT NULL)"


@contextmanager
def _children_kept() -> Iterator[None]:
    """Keep the key results while okrs is rebuilt: SQLite rebuilds a table to change its
    checks, and dropping the old one deletes the rows that cascade from it."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    table = sa.Table("key_results", sa.MetaData(), autoload_with=bind)
    rows = [dict(row) for row in bind.execute(sa.select(table)).mappings()]
    yield
    bind.execute(table.delete())
    if rows:
        bind.execute(table.insert(), rows)


def upgrade() -> None:
    _key_results()
    with _children_kept():
        _okrs()
    op.create_table(
        "key_result_checkins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_result_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "confidence >= 0 AND confidence <= 1",
            name=op.f("ck_key_result_checkins_confidence"),
        ),
        sa.ForeignKeyConstraint(
            ["key_result_id"],
            ["key_results.id"],
            name=op.f("fk_key_result_checkins_key_result_id_key_results"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_result_checkins")),
    )
    with op.batch_alter_table("key_result_checkins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_key_result_checkins_key_result_id_created_at"),
            ["key_result_id", "created_at"],
            unique=False,
        )
    op.create_table(
        "touchpoints",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("touchpoint", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_touchpoints_count")),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.key"], name=op.f("fk_touchpoints_channel_channels")
        ),
        sa.PrimaryKeyConstraint("date", "channel", "touchpoint", name=op.f("pk_touchpoints")),
    )
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_touchpoints_touchpoint_date"), ["touchpoint", "date"], unique=False
        )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_contact_at", sa.DateTime(), nullable=True))
    op.create_table(
        "rollup_lead_response",
        sa.Column("lead_day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("contact_day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "lead_day",
            "channel",
            "campaign_id",
            "contact_day",
            "minutes",
            name=op.f("pk_rollup_lead_response"),
        ),
    )
    # The rollups have no lead response times yet: the next refresh builds everything.
    rollup_meta = sa.table("rollup_meta", sa.column("name"))
    op.execute(rollup_meta.delete())


def _okrs() -> None:
    """owner_team (marketing, operations or none) becomes team (marketing, operations or
    joint: an objective nobody owned was everybody's)."""
    with op.batch_alter_table("okrs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_okrs_owner_team"), type_="check")
    okrs = sa.table("okrs", sa.column("owner_team"))
    op.execute(okrs.update().where(okrs.c.owner_team.is_(None)).values(owner_team="joint"))
    with op.batch_alter_table("okrs", schema=None) as batch_op:
        batch_op.alter_column(
            "owner_team",
            new_column_name="team",
            existing_type=sa.String(length=16),
            nullable=False,
        )
        batch_op.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("channel", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("message_ts", sa.String(length=32), nullable=True))
        batch_op.create_check_constraint(op.f("ck_okrs_team"), sa.text(TEAMS))
        batch_op.create_check_constraint(
            op.f("ck_okrs_period"), sa.text("period_end >= period_start")
        )
        batch_op.create_index(
            batch_op.f("ix_okrs_workspace_id_period_start"),
            ["workspace_id", "period_start"],
            unique=False,
        )


def _key_results() -> None:
    """Every key result so far was a metric query."""
    with op.batch_alter_table("key_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("title", sa.String(length=300), nullable=True))
        batch_op.alter_column("query", existing_type=sa.String(length=500), nullable=True)
    key_results = sa.table("key_results", sa.column("kind"))
    op.execute(key_results.update().values(kind="metric"))
    with op.batch_alter_table("key_results", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_check_constraint(op.f("ck_key_results_kind"), sa.text(KINDS))
        batch_op.create_check_constraint(op.f("ck_key_results_described"), sa.text(DESCRIBED))


def downgrade() -> None:
    op.drop_table("rollup_lead_response")
    rollup_meta = sa.table("rollup_meta", sa.column("name"))
    op.execute(rollup_meta.delete())
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("first_contact_at")
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_touchpoints_touchpoint_date"))
    op.drop_table("touchpoints")
    with op.batch_alter_table("key_result_checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_result_checkins_key_result_id_created_at"))
    op.drop_table("key_result_checkins")
    # Manual key results have no query to keep.
    key_results = sa.table("key_results", sa.column("kind"))
    op.execute(key_results.delete().where(key_results.c.kind == "manual"))
    with op.batch_alter_table("key_results", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_key_results_described"), type_="check")
        batch_op.drop_constraint(op.f("ck_key_results_kind"), type_="check")
        batch_op.alter_column("query", existing_type=sa.String(length=500), nullable=False)
        batch_op.drop_column("title")
        batch_op.drop_column("kind")
    with _children_kept():
        _okrs_back()


def _okrs_back() -> None:
    with op.batch_alter_table("okrs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_okrs_workspace_id_period_start"))
        batch_op.drop_constraint(op.f("ck_okrs_period"), type_="check")
        batch_op.drop_constraint(op.f("ck_okrs_team"), type_="check")
        batch_op.drop_column("message_ts")
        batch_op.drop_column("channel")
        batch_op.drop_column("created_at")
        batch_op.alter_column(
            "team", new_column_name="owner_team", existing_type=sa.String(length=16), nullable=True
        )
    okrs = sa.table("okrs", sa.column("owner_team"))
    op.execute(okrs.update().where(okrs.c.owner_team == "joint").values(owner_team=None))
    with op.batch_alter_table("okrs", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_okrs_owner_team"), sa.text(OLD_TEAMS))
