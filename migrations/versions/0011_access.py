"""Door access in Eigenregie (issue 12): codes (hashed), terminals, the door log, the
brute-force state, alerts, per-centre policy, per-room access method, key handovers, and the
use of bookings. New tables only; nothing existing changes.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_policy',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('margin_before_minutes', sa.Integer(), nullable=False),
    sa.Column('margin_after_minutes', sa.Integer(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('bundle_hours', sa.Integer(), nullable=False),
    sa.Column('silent_minutes', sa.Integer(), nullable=False),
    sa.Column('low_battery_percent', sa.Integer(), nullable=False),
    sa.CheckConstraint('margin_before_minutes BETWEEN 0 AND 60 AND margin_after_minutes BETWEEN 0 AND 60', name=op.f('ck_access_policy_margins')),
    sa.CheckConstraint('retention_days > 0 AND bundle_hours BETWEEN 1 AND 48', name=op.f('ck_access_policy_periods')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_access_policy_centre_id_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('centre_id', name=op.f('pk_access_policy'))
    )
    op.create_table('access_terminal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('door_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('power', sa.String(length=20), nullable=True),
    sa.Column('battery_percent', sa.Integer(), nullable=True),
    sa.Column('firmware', sa.String(length=60), nullable=True),
    sa.Column('clock_skew_seconds', sa.Float(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_access_terminal_centre_id_centre')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_access_terminal_created_by_id_person')),
    sa.ForeignKeyConstraint(['door_id'], ['door.id'], name=op.f('fk_access_terminal_door_id_door')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_terminal')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_access_terminal_token_hash'))
    )
    with op.batch_alter_table('access_terminal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_terminal_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_terminal_door_id'), ['door_id'], unique=False)

    op.create_table('room_access_method',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("method IN ('code', 'staff', 'key', 'open')", name=op.f('ck_room_access_method_method')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_room_access_method_room_id_room'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['person.id'], name=op.f('fk_room_access_method_set_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_access_method'))
    )
    with op.batch_alter_table('room_access_method', schema=None) as batch_op:
        batch_op.create_index('ix_room_access_method_room', ['room_id', 'valid_from'], unique=False)

    op.create_table('access_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terminal_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['terminal_id'], ['access_terminal.id'], name=op.f('fk_access_failure_terminal_id_access_terminal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_failure'))
    )
    with op.batch_alter_table('access_failure', schema=None) as batch_op:
        batch_op.create_index('ix_access_failure_terminal_at', ['terminal_id', 'at'], unique=False)

    op.create_table('access_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('terminal_id', sa.Integer(), nullable=True),
    sa.Column('door_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_access_alert_booking_id_booking'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_access_alert_centre_id_centre')),
    sa.ForeignKeyConstraint(['door_id'], ['door.id'], name=op.f('fk_access_alert_door_id_door'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['person.id'], name=op.f('fk_access_alert_resolved_by_id_person')),
    sa.ForeignKeyConstraint(['terminal_id'], ['access_terminal.id'], name=op.f('fk_access_alert_terminal_id_access_terminal'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_alert'))
    )
    with op.batch_alter_table('access_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_alert_centre_id'), ['centre_id'], unique=False)

    op.create_table('access_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('door_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('key_id', sa.String(length=20), nullable=False),
    sa.Column('offline_hash', sa.String(length=200), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind != 'emergency' OR (door_id IS NOT NULL AND valid_from IS NOT NULL AND valid_until IS NOT NULL AND reason IS NOT NULL)", name=op.f('ck_access_code_emergency')),
    sa.CheckConstraint("kind IN ('booking', 'series', 'emergency')", name=op.f('ck_access_code_kind')),
    sa.CheckConstraint("state IN ('inactive', 'active', 'revoked')", name=op.f('ck_access_code_state')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_access_code_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_access_code_centre_id_centre')),
    sa.ForeignKeyConstraint(['door_id'], ['door.id'], name=op.f('fk_access_code_door_id_door'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['holder_id'], ['person.id'], name=op.f('fk_access_code_holder_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['person.id'], name=op.f('fk_access_code_issued_by_id_person')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['person.id'], name=op.f('fk_access_code_revoked_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_code'))
    )
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.create_index('ix_access_code_booking', ['booking_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_code_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_code_state'), ['state'], unique=False)

    op.create_table('booking_use',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('first_opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_use_booking_id_booking'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_booking_use'))
    )
    op.create_table('key_handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_key_handover_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_key_handover_recorded_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_handover'))
    )
    with op.batch_alter_table('key_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_handover_booking_id'), ['booking_id'], unique=False)

    op.create_table('door_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('terminal_id', sa.Integer(), nullable=True),
    sa.Column('door_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_door_event_booking_id_booking'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['code_id'], ['access_code.id'], name=op.f('fk_door_event_code_id_access_code'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['door_id'], ['door.id'], name=op.f('fk_door_event_door_id_door'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['terminal_id'], ['access_terminal.id'], name=op.f('fk_door_event_terminal_id_access_terminal'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_door_event')),
    sa.UniqueConstraint('terminal_id', 'nonce', name='door_event_nonce')
    )
    with op.batch_alter_table('door_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_door_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_door_event_door_at', ['door_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('door_event', schema=None) as batch_op:
        batch_op.drop_index('ix_door_event_door_at')
        batch_op.drop_index(batch_op.f('ix_door_event_at'))

    op.drop_table('door_event')
    with op.batch_alter_table('key_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_handover_booking_id'))

    op.drop_table('key_handover')
    op.drop_table('booking_use')
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_code_state'))
        batch_op.drop_index(batch_op.f('ix_access_code_centre_id'))
        batch_op.drop_index('ix_access_code_booking')

    op.drop_table('access_code')
    with op.batch_alter_table('access_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_alert_centre_id'))

    op.drop_table('access_alert')
    with op.batch_alter_table('access_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_access_failure_terminal_at')

    op.drop_table('access_failure')
    with op.batch_alter_table('room_access_method', schema=None) as batch_op:
        batch_op.drop_index('ix_room_access_method_room')

    op.drop_table('room_access_method')
    with op.batch_alter_table('access_terminal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_terminal_door_id'))
        batch_op.drop_index(batch_op.f('ix_access_terminal_centre_id'))

    op.drop_table('access_terminal')
    op.drop_table('access_policy')
