"""Content in several languages (issue 7 §3): rooms and offers get a ``translations`` JSON
column (language → field → text) beside their German texts; see booking/models/texts.py for
why a column and not a table. Offers also say whether one can just come (``drop_in``), which
the public programme shows (§4).

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("room", "offer")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("translations", sa.JSON(), nullable=False,
                                          server_default="{}"))
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("drop_in", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("drop_in")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("translations")
