"""Accounts a real service needs: confirmed e-mail addresses, mailed single-use links
(address confirmation, password reset) and known login devices (OWASP device cookies).

Existing accounts count as confirmed from their creation: they were made before confirmation
existed, by staff, the CLI or the demo.

Revision ID: 0005
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE person SET email_confirmed_at = created_at WHERE deleted_at IS NULL")

    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('confirm', 'reset')",
                           name=op.f("ck_account_token_purpose")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_account_token_person_id_person"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    with op.batch_alter_table("account_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_token_person_id"), ["person_id"],
                              unique=False)

    op.create_table(
        "login_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_login_device_person_id_person"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_device")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_device_token_hash")),
    )
    with op.batch_alter_table("login_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_device_person_id"), ["person_id"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("login_device")
    op.drop_table("account_token")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
