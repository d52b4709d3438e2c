"""DSGVO: a resident downloads everything held about them, and deletes their account.

Deleting keeps the bookings as anonymised records (the room was used; the statistics and the
audit trail stay true) but removes every personal datum: name, address, phone, password,
sessions, the renter's own words (purpose, notes), and open requests are cancelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from booking.audit import record
from booking.models import (
    AccountToken,
    AuditEvent,
    AuthToken,
    Booking,
    BookingStatus,
    LoginDevice,
    OutboxMail,
    Person,
    PersonRole,
    group_contact,
)
from booking.permissions import Actor, require_login
from booking.services.locking import lock_bookings


def export(session: Session, actor: Actor) -> dict[str, Any]:
    person_id = require_login(actor)
    person = session.get_one(Person, person_id)
    bookings = session.scalars(
        select(Booking).where(or_(Booking.requested_by_id == person_id,
                                  Booking.responsible_id == person_id)).order_by(Booking.id)
    ).all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.actor_id == person_id)
                             .order_by(AuditEvent.id)).all()
    mails = session.scalars(select(OutboxMail).where(OutboxMail.person_id == person_id)
                            .order_by(OutboxMail.id)).all()
    return {
        "person": {"id": person.id, "email": person.email, "display_name": person.display_name,
                   "phone": person.phone, "language": person.language,
                   "created_at": person.created_at.isoformat(),
                   "roles": [{"role": r.role, "centre_id": r.centre_id} for r in person.roles]},
        "bookings": [
            {"id": b.id, "kind": b.kind, "status": b.status, "title": b.title,
             "purpose": b.purpose, "expected_people": b.expected_people, "notes": b.notes,
             "fee_cents": b.fee_cents, "decision_reason": b.decision_reason,
             "created_at": b.created_at.isoformat(),
             "occurrences": [{"room_id": o.room_id, "room": o.room.name,
                              "starts_at": o.starts_at.isoformat(),
                              "ends_at": o.ends_at.isoformat(), "status": o.status}
                             for o in b.occurrences]}
            for b in bookings
        ],
        "activity": [{"at": e.at.isoformat(), "entity": e.entity, "entity_id": e.entity_id,
                      "action": e.action} for e in events],
        "mails": [{"created_at": m.created_at.isoformat(), "subject": m.subject,
                   "sent_at": m.sent_at.isoformat() if m.sent_at else None} for m in mails],
        "sessions": len(session.scalars(select(AuthToken.id)
                                        .where(AuthToken.person_id == person_id)).all()),
    }


def delete_account(session: Session, actor: Actor, now: datetime) -> None:
    person_id = require_login(actor)
    person = session.get_one(Person, person_id)
    own = session.scalars(select(Booking).where(or_(
        Booking.requested_by_id == person_id, Booking.responsible_id == person_id))).all()
    lock_bookings(session, own)
    for booking in own:
        if booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED) and any(
                o.ends_at > now for o in booking.occurrences):
            booking.status = BookingStatus.CANCELLED
            for occ in booking.occurrences:
                if occ.ends_at > now:
                    occ.status = BookingStatus.CANCELLED
            record(session, now, person_id, "booking", booking.id, "cancelled",
                   reason="account deleted")
        booking.requested_by_id = None
        booking.responsible_id = None
        booking.purpose = None
        booking.notes = None
        booking.updated_at = now
    session.execute(delete(AuthToken).where(AuthToken.person_id == person_id))
    session.execute(delete(LoginDevice).where(LoginDevice.person_id == person_id))
    session.execute(delete(AccountToken).where(AccountToken.person_id == person_id))
    session.execute(delete(OutboxMail).where(OutboxMail.person_id == person_id,
                                             OutboxMail.sent_at.is_(None)))
    session.execute(delete(group_contact).where(group_contact.c.person_id == person_id))
    session.execute(delete(PersonRole).where(PersonRole.person_id == person_id))
    person.email = None
    person.password_hash = None
    person.display_name = None
    person.phone = None
    person.deleted_at = now
    session.expire(person, ["roles"])
    record(session, now, person_id, "person", person_id, "deleted")


# An address registered but never confirmed: its confirmation link ran out after two days;
# a week later the account is forgotten (DSGVO Art. 5(1)(e): kept no longer than needed), so
# the address is free again and no stranger's data lingers.
UNCONFIRMED_KEPT = timedelta(days=7)


def forget_unconfirmed(session: Session, now: datetime) -> int:
    """Delete, like an account deletion, every self-registered account whose address was not
    confirmed within :data:`UNCONFIRMED_KEPT` (the background worker calls this). Accounts with
    a role (staff, terminals) are made by staff and are never forgotten here."""
    stale = session.scalars(select(Person.id).where(
        Person.email_confirmed_at.is_(None), Person.deleted_at.is_(None),
        Person.created_at < now - UNCONFIRMED_KEPT,
        ~Person.roles.any())).all()
    for person_id in stale:
        delete_account(session, Actor(person_id=person_id), now)
    return len(stale)
