"""Door codes by mail, if the holder chooses (issue 12 §1): a per-account choice, and mails
whose body is blanked once sent (the door code must not lie in the outbox table).

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_code_by_mail", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erase_after_send", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("erase_after_send")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("access_code_by_mail")
