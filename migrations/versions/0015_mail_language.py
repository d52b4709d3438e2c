"""The language a queued mail is written in, for its ``Content-Language`` header (issue 7):
mails are rendered in the recipient's language when they are queued.

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
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        # Mails queued before this revision were German or English; German is the default.
        batch_op.add_column(sa.Column("language", sa.String(length=2), nullable=False,
                                      server_default="de"))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("language")
