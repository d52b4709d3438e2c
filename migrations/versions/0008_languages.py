"""Five languages for a person's pages and mails: German, English, Turkish, Arabic, Ukrainian
(issue 7). Only the CHECK on ``person.language`` changes; the column (String(2)) holds them all.

Revision ID: 0008
Revises: 0005
"""
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD = "language IN ('de', 'en')"
NEW = "language IN ('de', 'en', 'tr', 'ar', 'uk')"


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_person_language"), type_="check")
        batch_op.create_check_constraint(op.f("ck_person_language"), NEW)


def downgrade() -> None:
    # The three new languages fall back to German: the default the pages would give them.
    op.execute("UPDATE person SET language = 'de' WHERE language NOT IN ('de', 'en')")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_person_language"), type_="check")
        batch_op.create_check_constraint(op.f("ck_person_language"), OLD)
