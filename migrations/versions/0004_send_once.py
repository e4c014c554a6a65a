"""send once: messages reserved before posting, handled interactive requests, runs that may
have posted (sending_at) and runs that could not be checked (state uncertain)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:01:17.657253
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_RUN_STATES = "state IN ('claimed', 'posted', 'failed')"
NEW_RUN_STATES = "state IN ('claimed', 'posted', 'failed', 'uncertain')"


def upgrade() -> None:
    op.create_table(
        "handled_requests",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("state IN ('pending', 'done')", name=op.f("ck_handled_requests_state")),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_handled_requests")),
    )
    with op.batch_alter_table("handled_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handled_requests_claimed_at"), ["claimed_at"], unique=False
        )
    op.create_table(
        "slack_posts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sending_at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('reserved', 'sending', 'posted', 'uncertain')",
            name=op.f("ck_slack_posts_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_posts")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_slack_posts_workspace_id_key")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sending_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f("ck_job_runs_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_runs_state"), sa.text(NEW_RUN_STATES))
    # Alert posts reserved by the old code and never finished stayed "pending" for ever; they
    # are posted again by the new code (which reserves them in slack_posts).
    alert_states = sa.table("alert_states", sa.column("opened_ts"), sa.column("resolved_ts"))
    for column in ("opened_ts", "resolved_ts"):
        op.execute(
            alert_states.update().where(alert_states.c[column] == "pending").values({column: None})
        )


def downgrade() -> None:
    job_runs = sa.table("job_runs", sa.column("state"))
    op.execute(job_runs.update().where(job_runs.c.state == "uncertain").values(state="failed"))
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_runs_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_runs_state"), sa.text(OLD_RUN_STATES))
        batch_op.drop_column("sending_at")
    op.drop_table("slack_posts")
    with op.batch_alter_table("handled_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handled_requests_claimed_at"))
    op.drop_table("handled_requests")
