"""Term runs: one solve of a term's allocation, with its problem, plan and id map (issue 11).

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "term_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("time_limit_seconds", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("pins", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("id_map", sa.JSON(), nullable=True),
        sa.Column("series", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'published')",
                           name=op.f("ck_term_run_status")),
        sa.CheckConstraint("time_limit_seconds > 0", name=op.f("ck_term_run_time_limit")),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], name=op.f("fk_term_run_term_id_term"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["person.id"],
                                name=op.f("fk_term_run_requested_by_id_person"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["previous_id"], ["term_run.id"],
                                name=op.f("fk_term_run_previous_id_term_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_run")),
    )
    op.create_index(op.f("ix_term_run_term_id"), "term_run", ["term_id"])
    op.create_index("ix_term_run_queue", "term_run", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_term_run_queue", table_name="term_run")
    op.drop_index(op.f("ix_term_run_term_id"), table_name="term_run")
    op.drop_table("term_run")
