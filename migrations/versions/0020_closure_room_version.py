"""A closure changes what a room's availability shows (issue 10 §3: the JSON availability says a
day is closed, and why): creating, moving, re-wording or deleting one bumps the change counters
(``room_version``, 0003) of the room it closes, or of every room of its centre, by trigger, so
no code path can forget it and cached availability answers are read anew.

Revision ID: 0020
Revises: 0019
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _sqlite_bump(row: str) -> str:
    """Bump the counters of the rooms the closure ``row`` (NEW or OLD) closes: its room, or
    every room of its centre."""
    return ("INSERT INTO room_version (room_id, version) SELECT id, 1 FROM room "
            f"WHERE (({row}.room_id IS NOT NULL AND id = {row}.room_id) "
            f"OR ({row}.room_id IS NULL AND centre_id = {row}.centre_id)) "
            "ON CONFLICT (room_id) DO UPDATE SET version = version + 1;")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION closure_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    PERFORM bump_room_version(r.id) FROM room r
                    WHERE (NEW.room_id IS NOT NULL AND r.id = NEW.room_id)
                       OR (NEW.room_id IS NULL AND r.centre_id = NEW.centre_id);
                END IF;
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    PERFORM bump_room_version(r.id) FROM room r
                    WHERE (OLD.room_id IS NOT NULL AND r.id = OLD.room_id)
                       OR (OLD.room_id IS NULL AND r.centre_id = OLD.centre_id);
                END IF;
                RETURN NULL;
            END $$""")
        op.execute("CREATE TRIGGER closure_version AFTER INSERT OR UPDATE OR DELETE ON closure "
                   "FOR EACH ROW EXECUTE FUNCTION closure_version()")
        return
    new, old = _sqlite_bump("NEW"), _sqlite_bump("OLD")
    op.execute(f"CREATE TRIGGER closure_version_insert AFTER INSERT ON closure BEGIN {new} END")
    op.execute(f"CREATE TRIGGER closure_version_update AFTER UPDATE ON closure BEGIN {new} {old} "
               "END")
    op.execute(f"CREATE TRIGGER closure_version_delete AFTER DELETE ON closure BEGIN {old} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS closure_version ON closure")
        op.execute("DROP FUNCTION IF EXISTS closure_version()")
        return
    for trigger in ("closure_version_insert", "closure_version_update",
                    "closure_version_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
