"""Per-room change counters kept by the database, for caching the availability read path.

Every write that can change what a room's availability shows (an occurrence inserted, moved,
re-statused or deleted; a booking's title, kind, offer or status; an offer's title or public flag)
bumps ``room_version.version`` of the rooms concerned, by trigger, so no code path can forget it.
A reader that finds the same versions as when it cached an answer may serve the cached answer.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SQLITE_BUMP = ("INSERT INTO room_version (room_id, version) VALUES ({room}, 1) "
                "ON CONFLICT (room_id) DO UPDATE SET version = version + 1;")
_SQLITE_BUMP_MANY = ("INSERT INTO room_version (room_id, version) {select} "
                     "ON CONFLICT (room_id) DO UPDATE SET version = version + 1;")


def upgrade() -> None:
    op.create_table(
        "room_version",
        sa.Column("room_id", sa.Integer(), sa.ForeignKey("room.id", ondelete="CASCADE",
                                                         name="fk_room_version_room_id_room"),
                  nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("room_id", name="pk_room_version"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def _sqlite() -> None:
    op.execute("CREATE TRIGGER occurrence_version_insert AFTER INSERT ON occurrence BEGIN "
               + _SQLITE_BUMP.format(room="NEW.room_id") + " END")
    op.execute("CREATE TRIGGER occurrence_version_update AFTER UPDATE ON occurrence BEGIN "
               + _SQLITE_BUMP.format(room="NEW.room_id")
               + _SQLITE_BUMP.format(room="OLD.room_id") + " END")
    op.execute("CREATE TRIGGER occurrence_version_delete AFTER DELETE ON occurrence BEGIN "
               + _SQLITE_BUMP.format(room="OLD.room_id") + " END")
    op.execute(
        "CREATE TRIGGER booking_version_update AFTER UPDATE OF title, kind, offer_id, status "
        "ON booking BEGIN " + _SQLITE_BUMP_MANY.format(
            select="SELECT DISTINCT room_id, 1 FROM occurrence WHERE booking_id = NEW.id")
        + " END")
    op.execute(
        "CREATE TRIGGER offer_version_update AFTER UPDATE OF title, public ON offer BEGIN "
        + _SQLITE_BUMP_MANY.format(
            select="SELECT DISTINCT o.room_id, 1 FROM occurrence o JOIN booking b "
                   "ON b.id = o.booking_id WHERE b.offer_id = NEW.id")
        + " END")


def _postgresql() -> None:
    op.execute("""
        CREATE FUNCTION bump_room_version(room integer) RETURNS void LANGUAGE sql AS $$
            INSERT INTO room_version (room_id, version) VALUES (room, 1)
            ON CONFLICT (room_id) DO UPDATE SET version = room_version.version + 1
        $$""")
    op.execute("""
        CREATE FUNCTION occurrence_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM bump_room_version(NEW.room_id); END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') AND (TG_OP = 'DELETE' OR OLD.room_id <> NEW.room_id)
                THEN PERFORM bump_room_version(OLD.room_id); END IF;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER occurrence_version AFTER INSERT OR UPDATE OR DELETE ON occurrence "
               "FOR EACH ROW EXECUTE FUNCTION occurrence_version()")
    op.execute("""
        CREATE FUNCTION booking_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM bump_room_version(r.room_id)
            FROM (SELECT DISTINCT room_id FROM occurrence WHERE booking_id = NEW.id) r;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER booking_version AFTER UPDATE OF title, kind, offer_id, status "
               "ON booking FOR EACH ROW EXECUTE FUNCTION booking_version()")
    op.execute("""
        CREATE FUNCTION offer_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM bump_room_version(r.room_id)
            FROM (SELECT DISTINCT o.room_id FROM occurrence o JOIN booking b
                  ON b.id = o.booking_id WHERE b.offer_id = NEW.id) r;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER offer_version AFTER UPDATE OF title, public ON offer "
               "FOR EACH ROW EXECUTE FUNCTION offer_version()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in (("occurrence_version", "occurrence"),
                               ("booking_version", "booking"), ("offer_version", "offer")):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
        op.execute("DROP FUNCTION IF EXISTS bump_room_version(integer)")
    else:
        for trigger in ("occurrence_version_insert", "occurrence_version_update",
                        "occurrence_version_delete", "booking_version_update",
                        "offer_version_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table("room_version")
