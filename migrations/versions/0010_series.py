"""Series as a first-class thing, closures and calendar feeds (issue 10).

``series`` keeps a booking's recurrence in local terms, ``series_date`` one row per local date
(holding an occurrence, or skipped with its reason), ``closure`` the centre and room closures,
``calendar_feed`` the secret feed tokens. ``occurrence`` gains ``sequence`` and ``updated_at``
for the iCalendar feeds. The columns are added with plain ``ADD COLUMN`` (no batch copy), so
SQLite keeps the occurrence table and its overlap and version triggers as they are.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("occurrence", sa.Column("sequence", sa.Integer(), nullable=False,
                                          server_default="0"))
    op.add_column("occurrence", sa.Column("updated_at", sa.DateTime(timezone=True),
                                          nullable=True))
    op.create_table(
        "closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_closure_days")),
        sa.ForeignKeyConstraint(["centre_id"], ["centre.id"],
                                name=op.f("fk_closure_centre_id_centre")),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_closure_room_id_room")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure")),
    )
    op.create_index(op.f("ix_closure_centre_id"), "closure", ["centre_id"])
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=True),
        sa.Column("rdates", sa.JSON(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("pattern", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("materialised_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440",
                           name=op.f("ck_series_duration")),
        sa.CheckConstraint("start_minute >= 0 AND start_minute < 1440",
                           name=op.f("ck_series_start_minute")),
        sa.CheckConstraint("count IS NULL OR count > 0", name=op.f("ck_series_count")),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"],
                                name=op.f("fk_series_booking_id_booking"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_series_room_id_room")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_series_booking_id")),
    )
    op.create_table(
        "series_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("reason_code", sa.String(length=40), nullable=True),
        sa.Column("reason_params", sa.JSON(), nullable=False),
        sa.Column("closure_id", sa.Integer(), nullable=True),
        sa.Column("detached", sa.Boolean(), nullable=False),
        sa.CheckConstraint("state IN ('planned', 'skipped', 'cancelled')",
                           name=op.f("ck_series_date_state")),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"],
                                name=op.f("fk_series_date_series_id_series"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrence.id"],
                                name=op.f("fk_series_date_occurrence_id_occurrence"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["closure_id"], ["closure.id"],
                                name=op.f("fk_series_date_closure_id_closure"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_date")),
        sa.UniqueConstraint("series_id", "day", name="uq_series_date_day"),
    )
    op.create_index(op.f("ix_series_date_series_id"), "series_date", ["series_id"])
    op.create_index("ix_series_date_occurrence_id", "series_date", ["occurrence_id"])
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(person_id IS NULL) <> (group_id IS NULL)",
                           name=op.f("ck_calendar_feed_owner")),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"],
                                name=op.f("fk_calendar_feed_owner_id_person"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_calendar_feed_person_id_person"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["organisation.id"],
                                name=op.f("fk_calendar_feed_group_id_organisation"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )
    op.create_index(op.f("ix_calendar_feed_owner_id"), "calendar_feed", ["owner_id"])


def downgrade() -> None:
    op.drop_table("calendar_feed")
    op.drop_table("series_date")
    op.drop_table("series")
    op.drop_table("closure")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would drop the occurrence triggers.
    op.drop_column("occurrence", "updated_at")
    op.drop_column("occurrence", "sequence")
