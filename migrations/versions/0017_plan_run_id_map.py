"""Week plan runs keep the map from the solver's demand ids to the service's rows (issue 11 §7
and §9): publishing reads what each demand is (a request, a rental, a date of a term's series)
instead of parsing ``"group-12"`` again.

Revision ID: 0017
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_run") as batch:
        batch.add_column(sa.Column("id_map", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_run") as batch:
        batch.drop_column("id_map")
