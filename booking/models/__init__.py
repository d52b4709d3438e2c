"""The booking service's data model (SQLAlchemy 2, typed)."""

from booking.models.access import (
    AccessAlert,
    AccessCode,
    AccessMethod,
    AccessPolicy,
    BookingUse,
    CodeKind,
    CodeState,
    DoorEvent,
    KeyHandover,
    RoomAccessMethod,
    Terminal,
    TerminalFailure,
)
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
from booking.models.series import CalendarFeed, Closure, DateState, Series, SeriesDate
from booking.models.terms import (
    Application,
    ApplicationSection,
    PriorityClass,
    Term,
    TermRun,
)

__all__ = [
    "HOLDING_STATUS",
    "AccessAlert",
    "AccessCode",
    "AccessMethod",
    "AccessPolicy",
    "AccountToken",
    "Application",
    "ApplicationSection",
    "AuditEvent",
    "AuthToken",
    "Base",
    "Booking",
    "BookingKind",
    "BookingStatus",
    "BookingUse",
    "CalendarFeed",
    "Centre",
    "Closure",
    "CodeKind",
    "CodeState",
    "DateState",
    "Door",
    "DoorEvent",
    "Feature",
    "Group",
    "GroupKind",
    "KeyHandover",
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
    "RoomAccessMethod",
    "RoomFeature",
    "RoomVersion",
    "Series",
    "SeriesDate",
    "StaffProfile",
    "Term",
    "TermRun",
    "Terminal",
    "TerminalFailure",
    "Theme",
    "door_room",
    "group_contact",
]
