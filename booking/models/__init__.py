"""The booking service's data model (SQLAlchemy 2, typed)."""

from booking.models.audit import AuditEvent
from booking.models.base import Base
from booking.models.bookings import (
    HOLDING_STATUS,
    Booking,
    BookingKind,
    BookingStatus,
    Occurrence,
)
from booking.models.centres import Centre
from booking.models.groups import Group, GroupKind, Offer, Theme, group_contact
from booking.models.mail import OutboxMail
from booking.models.persons import (
    AccountToken,
    AuthToken,
    LoginAttempt,
    LoginDevice,
    Person,
    PersonRole,
    Role,
)
from booking.models.planning import PlanRun, RecurringRequest, StaffProfile
from booking.models.rooms import Door, Feature, Room, RoomFeature, RoomVersion, door_room
from booking.models.terms import Application, ApplicationSection, PriorityClass, Term

__all__ = [
    "HOLDING_STATUS",
    "AccountToken",
    "Application",
    "ApplicationSection",
    "AuditEvent",
    "AuthToken",
    "Base",
    "Booking",
    "BookingKind",
    "BookingStatus",
    "Centre",
    "Door",
    "Feature",
    "Group",
    "GroupKind",
    "LoginAttempt",
    "LoginDevice",
    "Occurrence",
    "Offer",
    "OutboxMail",
    "Person",
    "PersonRole",
    "PlanRun",
    "PriorityClass",
    "RecurringRequest",
    "Role",
    "Room",
    "RoomFeature",
    "RoomVersion",
    "StaffProfile",
    "Term",
    "Theme",
    "door_room",
    "group_contact",
]
