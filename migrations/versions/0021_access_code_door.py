"""A door's emergency codes found by door (issue 12, door terminals): every validation asks
for the codes of its door valid now, and without an index on ``door_id`` that read walked
every active code of every centre (each booking in Eigenregie keeps one), a cost that grew
with the years of bookings behind the service.

Revision ID: 0021
Revises: 0020
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_access_code_door", "access_code", ["door_id", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_access_code_door", table_name="access_code")
