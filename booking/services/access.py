"""Door access in Eigenregie: issuing and revoking codes, terminals, validation, alerts,
reconciliation and retention (issue 12).

The rules live in ``access/`` (pure, no database); this module is ``booking``'s side of the
interface ``access.interface``: it turns bookings into :class:`~access.interface.AccessGrant`
values and keeps the rows of ``booking.models.access``.

A code belongs to a booking that runs in Eigenregie: a rental, or a programme or group slot of
a self-managed offer. It is issued when the booking is confirmed (``booking_confirmed``, called
from the confirmation), revoked when it is cancelled or declined (``booking_ended``), and its
windows are never stored: they are derived from the booking's dates at every validation, so a
moved, shortened or extended booking takes its code along at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    Connection,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    event,
    func,
    insert,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from access import bundle as bundles
from access import codes, limiter
from access.hashing import (
    CodeHasher,
    MissingPepper,
    load_peppers,
    offline_hash,
    offline_key,
    parse_peppers,
    phc_prefix,
    production_hasher,
)
from access.interface import AccessGrant, GrantDate
from access.validation import MAX_CANDIDATES, Candidate, Decision, Reason, VerifyPool, verify_all
from access.windows import ENTRANCE, ROOM, Margins, Window, windows
from booking.audit import record
from booking.db import UTCDateTime, core_transaction, transaction
from booking.errors import Conflict, InvalidInput, NotFound
from booking.models import (
    AccessAlert,
    AccessCode,
    AccessMethod,
    AccessPolicy,
    Booking,
    BookingKind,
    BookingStatus,
    CodeKind,
    CodeState,
    Door,
    DoorEvent,
    KeyHandover,
    Occurrence,
    Offer,
    Room,
    RoomAccessMethod,
    Series,
    Terminal,
    TerminalFailure,
    door_room,
)
from booking.permissions import Actor, require_login, require_staff
from booking.security import new_token, token_digest

log = logging.getLogger("raumplan.access")

MAX_EMERGENCY_MINUTES = 120
CLOCK_SKEW_SECONDS = 60
SKEW_ALERT_SECONDS = 30
UNLOCK_MS = 5000
ALERT_AHEAD = timedelta(days=7)
ISSUE_AHEAD = timedelta(days=14)
# A terminal's request body is a few dozen bytes; more is read no further.
MAX_TERMINAL_BODY = 2048


# --- the runtime: peppers, hasher, verify pool, signing key -------------------------------

@dataclass
class AccessRuntime:
    peppers: dict[str, bytes]
    hasher: CodeHasher
    pool: VerifyPool
    signing_key: Ed25519PrivateKey

    @property
    def public_key(self) -> str:
        return bundles.public_text(self.signing_key)


_runtime: AccessRuntime | None = None
# Tests swap in a cheap argon2id (the production parameters have a test of their own).
_argon2_override: PasswordHasher | None = None


def use_argon2(hasher: PasswordHasher | None) -> None:
    global _argon2_override, _runtime
    _argon2_override = hasher
    _runtime = None


def configure(peppers: str | None = None, argon2: PasswordHasher | None = None,
              pool_size: int = 2) -> AccessRuntime:
    """Set up hashing for this process: the peppers from ``peppers`` or the environment
    (:class:`access.hashing.MissingPepper` without any; the service refuses to start)."""
    global _runtime
    argon2 = argon2 or _argon2_override
    found = parse_peppers(peppers) if peppers else load_peppers()
    if not found:
        raise MissingPepper("no pepper")
    current = next(iter(found.values()))
    # The bundle signing key derives from the pepper, so every worker signs with the same key
    # and no second secret needs keeping.
    seed = hmac.new(current, b"raumplan-bundle-signing-key", hashlib.sha256).digest()
    _runtime = AccessRuntime(peppers=found,
                             hasher=CodeHasher(found, argon2 or production_hasher()),
                             pool=VerifyPool(pool_size),
                             signing_key=Ed25519PrivateKey.from_private_bytes(seed))
    return _runtime


def runtime() -> AccessRuntime:
    return _runtime if _runtime is not None else configure()


# --- bookings as grants (booking's side of access.interface) -------------------------------

def needs_code(session: Session, booking: Booking) -> bool:
    """Eigenregie: a rental, or a slot of an offer run without staff."""
    if booking.kind == BookingKind.RENTAL:
        return True
    if booking.kind in (BookingKind.PROGRAMME, BookingKind.GROUP) and booking.offer_id:
        offer = session.get(Offer, booking.offer_id)
        return eigenregie(booking.kind, bool(offer and offer.self_managed))
    return False


def eigenregie(kind: str, offer_self_managed: bool | None) -> bool:
    """:func:`needs_code` from plain values: the booking's kind and whether its offer (if
    any) runs without staff."""
    return kind == BookingKind.RENTAL or (
        kind in (BookingKind.PROGRAMME, BookingKind.GROUP) and bool(offer_self_managed))


def method_at(session: Session, room_id: int, at: datetime) -> str:
    """How the room is opened at ``at``: the newest method set for a time not after it."""
    known = session.info.get(_KNOWN_METHODS)
    if known is not None and (room_id, at) in known:
        return cast(str, known[(room_id, at)])
    method = session.scalar(select(RoomAccessMethod.method).where(
        RoomAccessMethod.room_id == room_id, RoomAccessMethod.valid_from <= at)
        .order_by(RoomAccessMethod.valid_from.desc(), RoomAccessMethod.id.desc()).limit(1))
    return method or AccessMethod.CODE


def method_column(occurrence: Any) -> Any:
    """:func:`method_at` for each row of ``occurrence`` (the table or an alias), as a column
    of the statement that reads the rows: the room's method at the date's start, NULL when
    none was ever set (which :func:`method_at` reads as "code")."""
    ram = cast(Table, RoomAccessMethod.__table__)
    return (select(ram.c.method)
            .where(ram.c.room_id == occurrence.c.room_id,
                   ram.c.valid_from <= occurrence.c.starts_at)
            .order_by(ram.c.valid_from.desc(), ram.c.id.desc())
            .limit(1).correlate(occurrence).scalar_subquery())


# Methods this transaction read together with the rows they belong to, by (room, start):
# the confirmation reads its dates' methods in the statement that loads the request, under
# the rooms' locks, and the issue that follows asks :func:`method_at` for the same dates.
_KNOWN_METHODS = "raumplan_access_known_methods"


def known_methods(session: Session, found: Sequence[tuple[int, datetime, str | None]]) -> None:
    """Remember ``(room, start, method)`` as read in this transaction, for :func:`method_at`
    (until the transaction ends, or a method is set)."""
    known = session.info.setdefault(_KNOWN_METHODS, {})
    for room_id, at, method in found:
        known[(room_id, at)] = method or AccessMethod.CODE


@event.listens_for(Session, "after_transaction_end")
def _forget_methods(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_KNOWN_METHODS, None)


def methods_of(session: Session, room_ids: Sequence[int]) -> dict[int, list[tuple[datetime, str]]]:
    """Every room's access methods over time, oldest first: one query for a door's rooms."""
    found: dict[int, list[tuple[datetime, str]]] = {}
    for room_id, since, method in session.execute(
            select(RoomAccessMethod.room_id, RoomAccessMethod.valid_from, RoomAccessMethod.method)
            .where(RoomAccessMethod.room_id.in_(room_ids))
            .order_by(RoomAccessMethod.valid_from, RoomAccessMethod.id)):
        found.setdefault(room_id, []).append((since, method))
    return found


def method_from(changes: Sequence[tuple[datetime, str]], at: datetime) -> str:
    method: str = AccessMethod.CODE
    for since, value in changes:
        if since <= at:
            method = value
    return method


class DbBookingSource:
    """``access.interface.BookingSource`` over the database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def grant(self, source: str, source_id: int) -> AccessGrant | None:
        if source == "series":
            # A series (issue 10) is a booking whose occurrences are its dates: its grant is
            # the booking's, every date with its own window and margins.
            series = self.session.get(Series, source_id)
            found = self.grant("booking", series.booking_id) if series is not None else None
            return None if found is None else AccessGrant(
                "series", source_id, found.centre_id, found.holder_id, found.standing,
                found.dates)
        if source != "booking":
            return None
        booking = self.session.get(Booking, source_id)
        if booking is None:
            return None
        standing = booking.status == BookingStatus.CONFIRMED
        dates = tuple(GrantDate(o.room_id, o.starts_at, o.ends_at) for o in booking.occurrences
                      if o.status == BookingStatus.CONFIRMED
                      and method_at(self.session, o.room_id, o.starts_at) == AccessMethod.CODE)
        return AccessGrant("booking", booking.id, booking.centre_id,
                           booking.responsible_id or booking.requested_by_id, standing, dates)

    def dates_near(self, room_ids: Sequence[int], start: datetime,
                   end: datetime) -> Sequence[tuple[int, GrantDate]]:
        rows = self.session.execute(
            select(Occurrence.booking_id, Occurrence.room_id, Occurrence.starts_at,
                   Occurrence.ends_at)
            .join(Booking, Booking.id == Occurrence.booking_id)
            .where(Occurrence.room_id.in_(room_ids),
                   Occurrence.status == BookingStatus.CONFIRMED,
                   Booking.status == BookingStatus.CONFIRMED,
                   Occurrence.starts_at < end, Occurrence.ends_at > start)).all()
        return [(r[0], GrantDate(r[1], r[2], r[3])) for r in rows]


def policy(session: Session, centre_id: int) -> AccessPolicy:
    found = session.get(AccessPolicy, centre_id)
    return found if found is not None else AccessPolicy(
        centre_id=centre_id, margin_before_minutes=15, margin_after_minutes=15,
        retention_days=90, bundle_hours=12, silent_minutes=30, low_battery_percent=20)


def margins(session: Session, centre_id: int) -> Margins:
    p = policy(session, centre_id)
    return Margins(p.margin_before_minutes, p.margin_after_minutes)


def doors_of(session: Session, grant: AccessGrant) -> list[Door]:
    """The entrance(s) of the centre and the doors of the grant's rooms."""
    rooms = {d.room_id for d in grant.dates}
    doors = session.scalars(select(Door).where(Door.centre_id == grant.centre_id)
                            .order_by(Door.id)).all()
    return [d for d in doors if d.kind == ENTRANCE or any(r.id in rooms for r in d.rooms)]


def grant_windows(session: Session, grant: AccessGrant, door: Door) -> list[Window]:
    """The windows in which the grant's code opens ``door``."""
    door_rooms = {r.id for r in door.rooms}
    dates = [d for d in grant.dates if door.kind == ENTRANCE or d.room_id in door_rooms]
    if not dates:
        return []
    m = margins(session, grant.centre_id)
    neighbours: list[GrantDate] = []
    if door.kind != ENTRANCE:
        lo = min(d.starts_at for d in dates) - m.before
        hi = max(d.ends_at for d in dates) + m.after
        neighbours = [d for bid, d in DbBookingSource(session).dates_near(
            sorted({d.room_id for d in dates}), lo, hi) if bid != grant.source_id]
    return windows(dates, m, door.kind, neighbours)


# --- issuing and revoking ---------------------------------------------------------------

@dataclass
class IssuedCode:
    """A code just issued: the only value that ever holds the digits."""

    code_id: int
    code: str
    doors: list[str] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)

    @property
    def display(self) -> str:
        return codes.display(self.code)


_ISSUED = "raumplan_access_issued"


@dataclass(frozen=True)
class _NewCode:
    plain: str
    code_hash: str
    key_id: str
    offline: str | None = None


_PREPARED = "raumplan_access_prepared"


def prepare_code(session: Session, actor: Actor, booking_id: int) -> None:
    """Hash a fresh code for the booking's centre *before* the caller takes the room locks
    (the confirmation calls this first): the two argon2 computations of an issue (the code's
    and its offline hash) then run while no other writer waits for those rooms, and under the
    locks only a string comparison remains (:func:`_new_unique_code`). The code is kept in
    the session only; if it is not used (the confirmation fails, or it collides) nothing is
    lost: a collision hashes another one under the locks, as before."""
    # One statement of plain values, no ORM objects: a booking loaded here, before the room
    # locks, would be what the confirmation decides on after them (the session's identity map
    # keeps it; the load under the lock does not refresh it), and a confirmation that
    # committed in between would go unseen.
    rows = session.execute(_PREPARE, {"booking_id": booking_id}).all()
    # Only for those who may confirm, and a request that can be: nobody makes the service
    # spend argon2 time for an answer that is a refusal anyway. And only a booking whose rooms
    # are opened by code then gets one: a rental in a room that staff open costs no hashing.
    # (A guess before the locks: if it was wrong, the issue under the locks hashes there.)
    if not rows:
        return
    status, centre_id, kind, self_managed = rows[0][:4]
    if status != BookingStatus.PENDING or not actor.is_staff_of(centre_id) or \
            not eigenregie(kind, self_managed) or \
            not any((r[4] or AccessMethod.CODE) == AccessMethod.CODE for r in rows):
        return
    rt = runtime()
    plain = codes.generate()
    code_hash, key_id = rt.hasher.hash(plain, centre_id)
    offline = offline_hash(rt.hasher.hasher, offline_key(rt.peppers, centre_id), plain)
    session.info.setdefault(_PREPARED, {})[centre_id] = _NewCode(plain, code_hash, key_id,
                                                                 offline)


# What :func:`prepare_code` needs, one row per date: the booking's status, centre and kind,
# whether its offer runs without staff (:func:`needs_code`), the date's room's method.
_prep_b = cast(Table, Booking.__table__)
_prep_o = cast(Table, Occurrence.__table__)
_prep_offer = cast(Table, Offer.__table__)
_PREPARE = (
    select(_prep_b.c.status, _prep_b.c.centre_id, _prep_b.c.kind, _prep_offer.c.self_managed,
           method_column(_prep_o))
    .select_from(_prep_b.join(_prep_o, _prep_o.c.booking_id == _prep_b.c.id)
                 .outerjoin(_prep_offer, _prep_offer.c.id == _prep_b.c.offer_id))
    .where(_prep_b.c.id == bindparam("booking_id")))


def _prepared(session: Session, centre_id: int) -> _NewCode | None:
    found: _NewCode | None = session.info.get(_PREPARED, {}).pop(centre_id, None)
    rt = runtime()
    # Prepared under another pepper or other parameters (a reconfiguration in between): unused.
    if found is None or found.key_id != rt.hasher.current_key or \
            rt.hasher.needs_rehash(found.code_hash, found.key_id, centre_id):
        return None
    return found


def _overlapping_codes(session: Session, centre_id: int, spans: Sequence[Window],
                       exclude_booking: int | None, current: tuple[str, str]) -> list[AccessCode]:
    """The active codes of the centre a new code must differ from.

    Codes hashed in the ``current`` group (pepper key and PHC prefix: the centre's salt and
    today's parameters) are compared by their stored strings, which costs nothing, so all of
    them count, whatever their times: a new code equal to any live code of the centre is
    drawn again (with a few hundred live codes among 10⁸, about one draw in 10⁵). Only the
    rare codes of another group (an older pepper key or parameters) cost an argon2 run each,
    so for those the ones valid at overlapping times are picked out first (every code shares
    the entrance)."""
    if not spans:
        return []
    lo, hi = min(w.starts_at for w in spans), max(w.ends_at for w in spans)
    source = DbBookingSource(session)
    m = margins(session, centre_id)
    others: list[AccessCode] = []
    for code in session.scalars(select(AccessCode).where(
            AccessCode.centre_id == centre_id, AccessCode.state == CodeState.ACTIVE)):
        if code.booking_id is not None and code.booking_id == exclude_booking:
            continue
        if (code.key_id, phc_prefix(code.code_hash)) == current:
            others.append(code)
        elif code.booking_id is not None:
            g = source.grant("booking", code.booking_id)
            if g and any(d.starts_at - m.before < w.ends_at and d.ends_at + m.after > w.starts_at
                         for d in g.dates for w in spans):
                others.append(code)
        elif code.kind == CodeKind.EMERGENCY and code.valid_from and code.valid_until \
                and code.valid_from < hi and code.valid_until > lo:
            others.append(code)
    return others


def _new_unique_code(session: Session, centre_id: int, spans: Sequence[Window],
                     exclude_booking: int | None, generate: Any = None) -> _NewCode:
    """A code equal to no active code valid at overlapping times in the centre, with its hash.

    All codes of a centre share a salt, so equal codes have equal hashes: the new code's hash
    (computed once, and stored) is compared with the others' stored strings, no argon2 per
    other code. Only a code hashed under another pepper key, other parameters or an older salt
    costs one more computation per such group (normally none)."""
    rt = runtime()
    make = generate or codes.generate
    ready = _prepared(session, centre_id) if generate is None else None
    others: list[AccessCode] | None = None
    for _ in range(1000):
        if ready is not None:
            plain, code_hash, key_id = ready.plain, ready.code_hash, ready.key_id
        else:
            plain = make()
            code_hash, key_id = rt.hasher.hash(plain, centre_id)
        prefix = phc_prefix(code_hash)
        if others is None:
            others = _overlapping_codes(session, centre_id, spans, exclude_booking,
                                        (key_id, prefix))
        computed: dict[tuple[str, str], str | None] = {(key_id, prefix): code_hash}
        taken = False
        for other in others:
            group = (other.key_id, phc_prefix(other.code_hash))
            if group not in computed:
                try:
                    computed[group] = rt.hasher.compute(plain, group[1], group[0])
                except Exception:  # an unreadable old hash cannot collide with anything
                    computed[group] = None
            digest = computed[group]
            taken = (digest is not None and rt.hasher.equal(digest, other.code_hash)) or taken
        if not taken:
            return _NewCode(plain, code_hash, key_id, ready.offline if ready else None)
        ready = None
    raise Conflict("access_no_code_free")


def _store(session: Session, *, centre_id: int, kind: str, new: _NewCode, now: datetime,
           actor_id: int | None, **values: Any) -> AccessCode:
    rt = runtime()
    offline = new.offline or offline_hash(rt.hasher.hasher, offline_key(rt.peppers, centre_id),
                                          new.plain)
    row = AccessCode(centre_id=centre_id, kind=kind, state=CodeState.ACTIVE,
                     code_hash=new.code_hash, key_id=new.key_id, offline_hash=offline,
                     issued_at=now, issued_by_id=actor_id, **values)
    session.add(row)
    session.flush()
    return row


def _revoke_rows(session: Session, rows: Sequence[AccessCode], actor_id: int | None,
                 now: datetime, why: str) -> int:
    for row in rows:
        row.state = CodeState.REVOKED
        row.revoked_at = now
        row.revoked_by_id = actor_id
        record(session, now, actor_id, "access_code", row.id, "revoked", reason=why)
    return len(rows)


def _active_codes(session: Session, booking_id: int) -> Sequence[AccessCode]:
    return session.scalars(select(AccessCode).where(
        AccessCode.booking_id == booking_id,
        AccessCode.state.in_((CodeState.ACTIVE, CodeState.INACTIVE)))).all()


def issue_for_booking(session: Session, booking: Booking, actor_id: int | None,
                      now: datetime, *, generate: Any = None) -> IssuedCode | None:
    """Issue the booking's code (revoking any it had): None when the booking does not run in
    Eigenregie or does not stand."""
    if booking.status != BookingStatus.CONFIRMED or not needs_code(session, booking):
        return None
    grant = DbBookingSource(session).grant("booking", booking.id)
    if grant is None or not grant.dates:
        return None
    _revoke_rows(session, _active_codes(session, booking.id), actor_id, now, "reissued")
    m = margins(session, grant.centre_id)
    spans = [Window(d.starts_at - m.before, d.ends_at + m.after) for d in grant.dates]
    new = _new_unique_code(session, grant.centre_id, spans, booking.id, generate)
    # A series' code is its booking's (the series' dates are the booking's occurrences);
    # it is marked as a series code so staff and reports can tell.
    series_id = session.scalar(select(Series.id).where(Series.booking_id == booking.id))
    row = _store(session, centre_id=grant.centre_id,
                 kind=CodeKind.SERIES if series_id else CodeKind.BOOKING, new=new, now=now,
                 actor_id=actor_id, booking_id=booking.id, series_id=series_id,
                 holder_id=grant.holder_id)
    record(session, now, actor_id, "access_code", row.id, "issued", booking_id=booking.id)
    doors = doors_of(session, grant)
    issued = IssuedCode(row.id, new.plain, [d.name for d in doors],
                        windows([*grant.dates], m, ENTRANCE))
    session.info.setdefault(_ISSUED, {})[booking.id] = issued
    _mail_code(session, booking, grant.holder_id, issued, now)
    return issued


MAILED_WINDOWS = 12  # a long series: the first dates in the mail, all of them on the page


def _mail_code(session: Session, booking: Booking, holder_id: int | None, issued: IssuedCode,
               now: datetime) -> None:
    """The code by mail, once, if its holder chose so in their account (issue 12 §1); the
    body is blanked in the outbox once sent (``erase_after_send``)."""
    from booking import mailer
    from booking.models import Centre, Person
    from booking.timeutil import format_range

    holder = session.get(Person, holder_id) if holder_id is not None else None
    if holder is None or not holder.access_code_by_mail:
        return
    zone = session.get_one(Centre, booking.centre_id).timezone
    coming = [w for w in issued.windows if w.ends_at > now]
    lines = [format_range(w.starts_at, w.ends_at, zone) for w in coming[:MAILED_WINDOWS]]
    if len(coming) > MAILED_WINDOWS:
        lines.append("…")
    mailer.enqueue(session, to=holder, kind=mailer.MailKind.ACCESS_CODE, now=now,
                   context={"code": issued.display, "doors": ", ".join(issued.doors),
                            "windows": "\n".join(lines), "booking_id": booking.id,
                            "path": "/meine-zugangscodes"},
                   erase_after_send=True)


def issued_in_this_transaction(session: Session, booking_id: int) -> IssuedCode | None:
    """The code issued for the booking in this transaction, to show once in the answer."""
    found: IssuedCode | None = session.info.get(_ISSUED, {}).get(booking_id)
    return found


def booking_confirmed(session: Session, booking: Booking, actor_id: int | None,
                      now: datetime) -> None:
    """Called where a booking is confirmed: issue its code if it runs in Eigenregie."""
    issue_for_booking(session, booking, actor_id, now)


def booking_ended(session: Session, booking: Booking, actor_id: int | None,
                  now: datetime) -> None:
    """Called where a booking is cancelled or declined: its codes are revoked at once (they
    could not open a door anyway: validation asks whether the booking stands)."""
    _revoke_rows(session, _active_codes(session, booking.id), actor_id, now, booking.status)


def date_restored(session: Session, booking: Booking, actor_id: int | None,
                  now: datetime) -> None:
    """Called where a cancelled date comes back (a series date restored): the code opens on it
    at once, not only after the next reconciliation. A booking that stood keeps its code (the
    windows follow its dates); one that was cancelled, and so lost its code, gets a new one,
    shown and mailed as at a confirmation."""
    if not _active_codes(session, booking.id):
        issue_for_booking(session, booking, actor_id, now)


def _booking_for(session: Session, actor: Actor, booking_id: int) -> Booking:
    person_id = require_login(actor)
    booking = session.get(Booking, booking_id)
    if booking is None or not (actor.is_staff_of(booking.centre_id)
                               or person_id in (booking.requested_by_id,
                                                booking.responsible_id)):
        # Those who may not see the booking get the same answer as for a missing one.
        raise NotFound("access_no_booking", nr=booking_id)
    return booking


def reissue(session: Session, actor: Actor, booking_id: int, now: datetime) -> IssuedCode:
    """"Change code": a new code, the old one revoked in the same transaction."""
    booking = _booking_for(session, actor, booking_id)
    issued = issue_for_booking(session, booking, actor.person_id, now)
    if issued is None:
        raise Conflict("access_no_code_for_booking", nr=booking_id)
    return issued


def revoke_code(session: Session, actor: Actor, code_id: int, now: datetime) -> AccessCode:
    row = session.get(AccessCode, code_id)
    if row is None:
        raise NotFound("access_no_code", nr=code_id)
    staff_id = require_staff(actor, row.centre_id)
    if row.state == CodeState.REVOKED:
        raise Conflict("access_code_revoked", nr=code_id)
    _revoke_rows(session, [row], staff_id, now, "staff")
    return row


def emergency_code(session: Session, actor: Actor, *, door_id: int, minutes: int, reason: str,
                   now: datetime) -> IssuedCode:
    """A code for one door, for at most two hours, with a reason, and always an alert."""
    door = session.get(Door, door_id)
    if door is None:
        raise NotFound("access_no_door", nr=door_id)
    staff_id = require_staff(actor, door.centre_id)
    if not reason.strip():
        raise InvalidInput("access_reason_required")
    if not 1 <= minutes <= MAX_EMERGENCY_MINUTES:
        raise InvalidInput("access_emergency_too_long", minutes=MAX_EMERGENCY_MINUTES)
    until = now + timedelta(minutes=minutes)
    new = _new_unique_code(session, door.centre_id, [Window(now, until)], None)
    row = _store(session, centre_id=door.centre_id, kind=CodeKind.EMERGENCY, new=new,
                 now=now, actor_id=staff_id, door_id=door.id, valid_from=now, valid_until=until,
                 reason=reason.strip())
    record(session, now, staff_id, "access_code", row.id, "emergency_issued", door_id=door.id,
           minutes=minutes, reason=reason.strip())
    alert(session, door.centre_id, "emergency_code", now, door_id=door.id,
          code_id=row.id, reason=reason.strip(), by=staff_id)
    return IssuedCode(row.id, new.plain, [door.name], [Window(now, until)])


@dataclass
class CodeView:
    """A code as pages and GET answers show it: never the digits."""

    id: int
    kind: str
    state: str
    booking_id: int | None
    doors: list[str]
    windows: list[Window]
    issued_at: datetime
    revoked_at: datetime | None


def view(session: Session, row: AccessCode) -> CodeView:
    doors: list[str] = []
    spans: list[Window] = []
    if row.booking_id is not None:
        grant = DbBookingSource(session).grant("booking", row.booking_id)
        if grant is not None:
            doors = [d.name for d in doors_of(session, grant)]
            spans = windows(grant.dates, margins(session, grant.centre_id), ENTRANCE)
    elif row.door_id is not None and row.valid_from and row.valid_until:
        door = session.get(Door, row.door_id)
        doors = [door.name] if door else []
        spans = [Window(row.valid_from, row.valid_until)]
    return CodeView(row.id, row.kind, row.state, row.booking_id, doors, spans, row.issued_at,
                    row.revoked_at)


def codes_of_booking(session: Session, actor: Actor, booking_id: int) -> list[CodeView]:
    _booking_for(session, actor, booking_id)
    rows = session.scalars(select(AccessCode).where(AccessCode.booking_id == booking_id)
                           .order_by(AccessCode.id)).all()
    return [view(session, r) for r in rows]


def my_codes(session: Session, actor: Actor, now: datetime) -> list[tuple[Booking, CodeView]]:
    """The caller's active codes whose bookings have not ended, with doors and windows."""
    person_id = require_login(actor)
    rows = session.scalars(select(AccessCode).where(
        AccessCode.holder_id == person_id, AccessCode.state == CodeState.ACTIVE,
        AccessCode.booking_id.is_not(None)).order_by(AccessCode.id)).all()
    found = []
    for row in rows:
        booking = session.get_one(Booking, row.booking_id)
        v = view(session, row)
        if any(w.ends_at > now for w in v.windows):
            found.append((booking, v))
    return found


def my_bookings_with_access(session: Session, actor: Actor,
                            now: datetime) -> list[tuple[Booking, CodeView | None]]:
    """The caller's confirmed Eigenregie bookings still to come, each with its active code."""
    person_id = require_login(actor)
    bookings = session.scalars(select(Booking).where(
        Booking.requested_by_id == person_id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(Booking.id)).all()
    result: list[tuple[Booking, CodeView | None]] = []
    for booking in bookings:
        if not needs_code(session, booking) or not any(o.ends_at > now
                                                         for o in booking.occurrences):
            continue
        active = _active_codes(session, booking.id)
        result.append((booking, view(session, active[0]) if active else None))
    return result


# --- alerts ------------------------------------------------------------------------------

def alert(session: Session, centre_id: int, kind: str, now: datetime, *,
          terminal_id: int | None = None, door_id: int | None = None,
          booking_id: int | None = None, **details: Any) -> AccessAlert:
    row = AccessAlert(centre_id=centre_id, kind=kind, at=now, terminal_id=terminal_id,
                      door_id=door_id, booking_id=booking_id, details=details)
    session.add(row)
    session.flush()
    log.warning("access alert", extra={"kind": kind, "centre_id": centre_id,
                                       "terminal_id": terminal_id, "door_id": door_id,
                                       "booking_id": booking_id})
    return row


def _open_alert(session: Session, kind: str, *, terminal_id: int | None = None,
                booking_id: int | None = None, door_id: int | None = None) -> bool:
    return session.scalar(select(func.count()).select_from(AccessAlert).where(
        AccessAlert.kind == kind, AccessAlert.resolved_at.is_(None),
        AccessAlert.terminal_id.is_(None) if terminal_id is None
        else AccessAlert.terminal_id == terminal_id,
        AccessAlert.booking_id.is_(None) if booking_id is None
        else AccessAlert.booking_id == booking_id,
        AccessAlert.door_id.is_(None) if door_id is None
        else AccessAlert.door_id == door_id)) != 0


def list_alerts(session: Session, actor: Actor, centre_id: int,
                include_resolved: bool = False) -> Sequence[AccessAlert]:
    require_staff(actor, centre_id)
    query = select(AccessAlert).where(AccessAlert.centre_id == centre_id)
    if not include_resolved:
        query = query.where(AccessAlert.resolved_at.is_(None))
    return session.scalars(query.order_by(AccessAlert.id.desc()).limit(500)).all()


def resolve_alert(session: Session, actor: Actor, alert_id: int, now: datetime) -> AccessAlert:
    row = session.get(AccessAlert, alert_id)
    if row is None:
        raise NotFound("access_no_alert", nr=alert_id)
    staff_id = require_staff(actor, row.centre_id)
    if row.resolved_at is None:
        row.resolved_at, row.resolved_by_id = now, staff_id
        record(session, now, staff_id, "access_alert", row.id, "resolved")
    return row


def record_key_handover(session: Session, actor: Actor, booking_id: int, note: str,
                        now: datetime) -> KeyHandover:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("access_no_booking", nr=booking_id)
    staff_id = require_staff(actor, booking.centre_id)
    row = KeyHandover(booking_id=booking.id, recorded_at=now, recorded_by_id=staff_id,
                      note=note.strip())
    session.add(row)
    session.flush()
    record(session, now, staff_id, "booking", booking.id, "key_handover", note=note.strip())
    for open_alert in session.scalars(select(AccessAlert).where(
            AccessAlert.booking_id == booking.id, AccessAlert.resolved_at.is_(None))):
        open_alert.resolved_at, open_alert.resolved_by_id = now, staff_id
    return row


def set_room_method(session: Session, actor: Actor, room_id: int, method: str,
                    valid_from: datetime, now: datetime) -> RoomAccessMethod:
    """Change how a room is opened from ``valid_from`` on; the holders of bookings it changes
    get a notice (their codes stop or start opening it)."""
    from booking import mailer
    from booking.models import Person

    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("access_no_room", nr=room_id)
    staff_id = require_staff(actor, room.centre_id)
    if method not in set(AccessMethod):
        raise InvalidInput("access_bad_method", what=method)
    before = {o.booking_id: method_at(session, room_id, o.starts_at)
              for o in _future_occurrences(session, room_id, valid_from)}
    row = RoomAccessMethod(room_id=room_id, method=method, valid_from=valid_from, set_at=now,
                           set_by_id=staff_id)
    session.add(row)
    session.flush()
    session.info.pop(_KNOWN_METHODS, None)  # what this transaction read of methods is old now
    record(session, now, staff_id, "room", room_id, "access_method", method=method,
           valid_from=valid_from.isoformat())
    notified: set[int] = set()
    for occ in _future_occurrences(session, room_id, valid_from):
        booking = occ.booking
        if before.get(occ.booking_id) == method or booking.id in notified:
            continue
        notified.add(booking.id)
        if booking.requested_by_id is not None:
            person = session.get(Person, booking.requested_by_id)
            if person is not None:
                mailer.enqueue(session, to=person, kind=mailer.MailKind.ACCESS_METHOD_CHANGED,
                               now=now, context={"booking_id": booking.id, "room": room.name,
                                                 "method": method,
                                                 "path": f"/meine-anfragen/{booking.id}"})
    return row


def _future_occurrences(session: Session, room_id: int, since: datetime) -> Sequence[Occurrence]:
    return session.scalars(select(Occurrence).join(Booking).where(
        Occurrence.room_id == room_id, Occurrence.ends_at > since,
        Occurrence.status == BookingStatus.CONFIRMED)).all()


# --- terminals -----------------------------------------------------------------------------

@dataclass
class RegisteredTerminal:
    terminal: Terminal
    token: str  # shown once
    offline_key: str  # base64: what the terminal checks bundle hashes with
    public_key: str  # base64 Ed25519: what the terminal checks bundle signatures with


def register_terminal(session: Session, actor: Actor, *, door_id: int, name: str,
                      now: datetime) -> RegisteredTerminal:
    door = session.get(Door, door_id)
    if door is None:
        raise NotFound("access_no_door", nr=door_id)
    staff_id = require_staff(actor, door.centre_id)
    token = new_token()
    terminal = Terminal(centre_id=door.centre_id, door_id=door.id,
                        name=name.strip() or door.name, token_hash=token_digest(token),
                        created_at=now, created_by_id=staff_id)
    session.add(terminal)
    session.flush()
    record(session, now, staff_id, "access_terminal", terminal.id, "registered",
           door_id=door.id)
    rt = runtime()
    return RegisteredTerminal(terminal, token,
                              base64.b64encode(offline_key(rt.peppers, door.centre_id)).decode(),
                              rt.public_key)


def revoke_terminal(session: Session, actor: Actor, terminal_id: int, now: datetime) -> Terminal:
    terminal = session.get(Terminal, terminal_id)
    if terminal is None:
        raise NotFound("access_no_terminal", nr=terminal_id)
    staff_id = require_staff(actor, terminal.centre_id)
    if terminal.revoked_at is None:
        terminal.revoked_at = now
        record(session, now, staff_id, "access_terminal", terminal.id, "revoked")
    return terminal


def list_terminals(session: Session, actor: Actor, centre_id: int) -> Sequence[Terminal]:
    require_staff(actor, centre_id)
    return session.scalars(select(Terminal).where(Terminal.centre_id == centre_id)
                           .order_by(Terminal.id)).all()


def door_log(session: Session, actor: Actor, centre_id: int, *, door_id: int | None = None,
             limit: int = 200) -> Sequence[DoorEvent]:
    require_staff(actor, centre_id)
    query = select(DoorEvent).join(Door, Door.id == DoorEvent.door_id).where(
        Door.centre_id == centre_id)
    if door_id is not None:
        query = query.where(DoorEvent.door_id == door_id)
    return session.scalars(query.order_by(DoorEvent.id.desc()).limit(limit)).all()


def terminal_for(session: Session, token: str) -> Terminal | None:
    terminal = session.scalar(select(Terminal).where(Terminal.token_hash == token_digest(token)))
    if terminal is None or terminal.revoked_at is not None:
        return None
    return terminal


def heartbeat(session: Session, terminal: Terminal, body: dict[str, Any],
              now: datetime) -> dict[str, Any]:
    power = body.get("power")
    battery = body.get("battery_percent")
    firmware = body.get("firmware")
    sent_at = _instant(body.get("sent_at"))
    terminal.last_seen_at = now
    terminal.power = power if power in ("battery", "mains") else None
    terminal.battery_percent = battery if isinstance(battery, int) and 0 <= battery <= 100 \
        else None
    terminal.firmware = firmware[:60] if isinstance(firmware, str) else None
    terminal.clock_skew_seconds = (sent_at - now).total_seconds() if sent_at else None
    p = policy(session, terminal.centre_id)
    if terminal.clock_skew_seconds is not None and \
            abs(terminal.clock_skew_seconds) > SKEW_ALERT_SECONDS and \
            not _open_alert(session, "clock_skew", terminal_id=terminal.id,
                            door_id=terminal.door_id):
        alert(session, terminal.centre_id, "clock_skew", now, terminal_id=terminal.id,
              door_id=terminal.door_id, skew_seconds=terminal.clock_skew_seconds)
    if terminal.power == "battery" and terminal.battery_percent is not None and \
            terminal.battery_percent <= p.low_battery_percent and \
            not _open_alert(session, "low_battery", terminal_id=terminal.id,
                            door_id=terminal.door_id):
        alert(session, terminal.centre_id, "low_battery", now, terminal_id=terminal.id,
              door_id=terminal.door_id, battery_percent=terminal.battery_percent)
    return {"server_time": now.isoformat(), "door_id": terminal.door_id}


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


# --- validation ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TerminalAnswer:
    """What the terminal gets: the same bytes for every kind of denial."""

    status: int
    body: bytes
    retry_after: int = 0


DENY = TerminalAnswer(200, b'{"decision":"deny"}')
# For devices, not people: the keypad shows its own "out of order" signal.
UNAUTHORISED = TerminalAnswer(401, b'{"decision":"unauthorised",'
                                   b'"detail":"device token unknown or revoked"}')


GRANT = TerminalAnswer(200, json.dumps({"decision": "grant", "unlock_ms": UNLOCK_MS},
                                       separators=(",", ":")).encode())


def _throttled(seconds: int) -> TerminalAnswer:
    return TerminalAnswer(429, json.dumps({"decision": "throttled", "retry_after_s": seconds},
                                          separators=(",", ":")).encode(), seconds)


@dataclass
class _Prepared:
    """What the validation's first transaction hands to the hashing and the second: the body
    is parsed once."""

    terminal: _Terminal
    failure_id: int
    candidates: list[Candidate]
    bookings: dict[int, int | None]  # code id → booking id
    code: str = field(repr=False)  # the typed code (well formed), for argon2 and a rehash
    nonce: str | None = None


# The validation's statements, built once per process: plain Core over the tables (no ORM
# objects, no unit of work), each statement doing what several did before. They read and write
# the database on every request, so a revoked terminal, a revoked code or a cancelled booking
# takes effect at the next attempt; nothing about who may open what is kept between requests.
_TERMINAL = cast(Table, Terminal.__table__)
_FAILURE = cast(Table, TerminalFailure.__table__)
_EVENT = cast(Table, DoorEvent.__table__)
_CODE = cast(Table, AccessCode.__table__)
_DOOR = cast(Table, Door.__table__)
_POLICY = cast(Table, AccessPolicy.__table__)
_OCC = cast(Table, Occurrence.__table__)
_BOOKING = cast(Table, Booking.__table__)
_ROOM = cast(Table, Room.__table__)
_METHOD = cast(Table, RoomAccessMethod.__table__)

# Takes the terminal's row lock first: validations at one door take turns with its budget
# across every worker process (SQLite's BEGIN IMMEDIATE already serialises writers); what is
# read after this is what the last validation committed. A revoked terminal matches no row.
_CLAIM_TERMINAL = (
    update(_TERMINAL)
    .where(_TERMINAL.c.token_hash == bindparam("p_token"), _TERMINAL.c.revoked_at.is_(None))
    .values(attempts=_TERMINAL.c.attempts + 1, last_seen_at=bindparam("p_now"))
    .returning(_TERMINAL.c.id, _TERMINAL.c.centre_id, _TERMINAL.c.door_id))

# The door, the centre's margins and the limiter's state in one: the door's kind and margins,
# the terminal's requests in the burst window, whether the nonce was seen, its last grant in
# the hour, and one row per failure of the last hour (one row with ``at`` NULL when there is
# none). The last grant comes from the door log, which a grant writes anyway (a success older
# than the hour ends no row of the hour's failures): no write of its own to the terminal's row
# (``access_terminal.last_success_at`` is no longer kept). The door log is read by door and
# time (ix_door_event_door_at; a terminal's events are its door's): the burst count reads the
# last seconds' rows, not every row the terminal has left in the retention period.
_TERMINAL_STATE = (
    select(_DOOR.c.kind, _POLICY.c.margin_before_minutes, _POLICY.c.margin_after_minutes,
           select(func.count()).select_from(_EVENT)
           .where(_EVENT.c.door_id == bindparam("p_door"),
                  _EVENT.c.at > bindparam("p_burst_since"),
                  _EVENT.c.terminal_id == bindparam("p_terminal")).scalar_subquery()
           .label("burst"),
           select(func.count()).select_from(_EVENT)
           .where(_EVENT.c.terminal_id == bindparam("p_terminal"),
                  _EVENT.c.nonce == bindparam("p_nonce")).scalar_subquery().label("seen"),
           select(func.max(_EVENT.c.at))
           .where(_EVENT.c.door_id == bindparam("p_door"),
                  _EVENT.c.at > bindparam("p_hour_ago"),
                  _EVENT.c.terminal_id == bindparam("p_terminal"),
                  _EVENT.c.decision == Decision.GRANT.value,
                  _EVENT.c.offline.is_(False)).scalar_subquery().label("last_success"),
           _FAILURE.c.at)
    .select_from(_DOOR.outerjoin(_POLICY, _POLICY.c.centre_id == _DOOR.c.centre_id)
                 .outerjoin(_FAILURE, and_(_FAILURE.c.terminal_id == bindparam("p_terminal"),
                                           _FAILURE.c.at > bindparam("p_hour_ago"))))
    .where(_DOOR.c.id == bindparam("p_door")))


def _candidate_query(door_kind: str) -> Select[Any]:
    """Every confirmed date near now in the door's rooms, with its room's access method at its
    start and the active codes of its booking (none: a neighbour only), and the door's
    emergency codes valid now: one statement."""
    rooms = (select(_ROOM.c.id).where(_ROOM.c.centre_id == bindparam("p_centre"))
             if door_kind == ENTRANCE else
             select(door_room.c.room_id).where(door_room.c.door_id == bindparam("p_door")))
    method = (select(_METHOD.c.method)
              .where(_METHOD.c.room_id == _OCC.c.room_id,
                     _METHOD.c.valid_from <= _OCC.c.starts_at)
              .order_by(_METHOD.c.valid_from.desc(), _METHOD.c.id.desc()).limit(1)
              .correlate(_OCC).scalar_subquery())
    dates = (select(_OCC.c.id.label("occurrence_id"), _OCC.c.booking_id, _OCC.c.room_id,
                    _OCC.c.starts_at, _OCC.c.ends_at, method.label("method"),
                    _CODE.c.id.label("code_id"), _CODE.c.code_hash, _CODE.c.key_id)
             .select_from(_OCC.join(_BOOKING, _BOOKING.c.id == _OCC.c.booking_id)
                          .outerjoin(_CODE, and_(_CODE.c.booking_id == _OCC.c.booking_id,
                                                 _CODE.c.state == CodeState.ACTIVE.value)))
             .where(_OCC.c.room_id.in_(rooms),
                    _OCC.c.status == BookingStatus.CONFIRMED.value,
                    # Not by booking.status's index: SQLite would then walk every confirmed
                    # booking there ever was; the dates are found by room and time instead.
                    _BOOKING.c.status + "" == BookingStatus.CONFIRMED.value,
                    _OCC.c.starts_at < bindparam("p_near_until"),
                    _OCC.c.ends_at > bindparam("p_near_since")))
    emergency = (select(null(), null(), null(), null(), null(), null(), _CODE.c.id,
                        _CODE.c.code_hash, _CODE.c.key_id)
                 .where(_CODE.c.door_id == bindparam("p_door"),
                        _CODE.c.kind == CodeKind.EMERGENCY.value,
                        _CODE.c.state == CodeState.ACTIVE.value,
                        _CODE.c.valid_from <= bindparam("p_now"),
                        _CODE.c.valid_until > bindparam("p_now")))
    return union_all(dates, emergency).subquery().select()


_CANDIDATES = {kind: _candidate_query(kind) for kind in (ENTRANCE, ROOM)}
_ADD_FAILURE = (insert(_FAILURE).values(terminal_id=bindparam("p_terminal"), at=bindparam("p_now"))
                .returning(_FAILURE.c.id))
_DROP_FAILURE = delete(_FAILURE).where(_FAILURE.c.id == bindparam("p_failure"))
_ADD_EVENT = insert(_EVENT)
# Only an active code is marked used: one revoked while the typed code was being hashed denies.
# Built whole, once: a statement given its values per call is a new statement each time, and
# SQLAlchemy walks it again for its cache key.
_USED = (update(_CODE).where(_CODE.c.id == bindparam("p_code"),
                             _CODE.c.state == CodeState.ACTIVE.value)
         .values(last_used_at=bindparam("p_now")))
# The same on a grant whose stored hash has older parameters or pepper: renewed with it.
_USED_REHASHED = _USED.values(code_hash=bindparam("p_hash"), key_id=bindparam("p_key"))


# The booking marked used: inserted on its first opening, ``last_opened_at`` after. The same
# SQL on SQLite and PostgreSQL; as text it is compiled once (the dialects' upsert constructs
# have no cache key, so SQLAlchemy compiled them again on every grant).
_OPENED = text(
    "INSERT INTO booking_use (booking_id, first_opened_at, last_opened_at) "
    "VALUES (:p_booking, :p_now, :p_now) "
    "ON CONFLICT (booking_id) DO UPDATE SET last_opened_at = excluded.last_opened_at"
).bindparams(bindparam("p_booking", type_=Integer()), bindparam("p_now", type_=UTCDateTime()))


def candidates_at(conn: Connection, *, door_id: int, door_kind: str, centre_id: int,
                  m: Margins, now: datetime) -> tuple[list[Candidate], dict[int, int | None]]:
    """The active codes whose window at the door contains ``now``: those of bookings with a
    date near now in the door's rooms (opened by code at that date's start), the margins cut
    by the neighbours' dates on a room door, and the door's emergency codes."""
    # A date starting exactly ``before`` from now opens now (the window is [start − before, …)).
    rows = conn.execute(_CANDIDATES[ENTRANCE if door_kind == ENTRANCE else ROOM], {
        "p_centre": centre_id, "p_door": door_id, "p_now": now,
        "p_near_since": now - m.after,
        "p_near_until": now + m.before + timedelta(microseconds=1)}).all()
    # Each date once (a booking with two active codes brings its dates twice), by booking.
    seen: set[int] = set()
    dates_of: dict[int, list[tuple[GrantDate, bool]]] = {}  # booking → (date, opened by code)
    codes_of: dict[int, dict[int, Candidate]] = {}
    found: list[Candidate] = []
    bookings: dict[int, int | None] = {}
    for occurrence_id, booking_id, room_id, starts_at, ends_at, method, code_id, code_hash, \
            key_id in rows:
        if occurrence_id is None:  # an emergency code of this door, valid now
            found.append(Candidate(code_id, code_hash, key_id))
            bookings[code_id] = None
            continue
        if occurrence_id not in seen:
            seen.add(occurrence_id)
            dates_of.setdefault(booking_id, []).append(
                (GrantDate(room_id, starts_at, ends_at),
                 (method or AccessMethod.CODE) == AccessMethod.CODE))
        if code_id is not None:
            codes_of.setdefault(booking_id, {})[code_id] = Candidate(code_id, code_hash, key_id)
    for owner, owned in codes_of.items():
        dates = [d for d, by_code in dates_of[owner] if by_code]
        # The entrance's windows are never cut by the other groups' dates.
        neighbours = [] if door_kind == ENTRANCE else [
            d for b, others in dates_of.items() if b != owner for d, _ in others]
        if any(now in w for w in windows(dates, m, door_kind, neighbours)):
            found.extend(owned.values())
            bookings.update(dict.fromkeys(owned, owner))
    return sorted(found, key=lambda c: c.code_id), bookings


def _parse(raw: bytes) -> tuple[str | None, str | None, datetime | None]:
    """(code, nonce, sent_at) from the terminal's JSON, None where a field is unusable."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return None, None, None
    if not isinstance(body, dict):
        return None, None, None
    code = body.get("code")
    nonce = body.get("nonce")
    nonce = nonce if isinstance(nonce, str) and 8 <= len(nonce) <= 64 else None
    return (code if isinstance(code, str) else None), nonce, _instant(body.get("sent_at"))


@dataclass(frozen=True)
class _Terminal:
    id: int
    centre_id: int
    door_id: int


def _event(conn: Connection, terminal: _Terminal, now: datetime, decision: str, reason: str,
           *, nonce: str | None = None, code_id: int | None = None,
           booking_id: int | None = None) -> None:
    """The validation's record in the door log. A nonce used twice at once: the second insert
    fails on the unique constraint, the transaction rolls back and the attempt is denied."""
    conn.execute(_ADD_EVENT, {"at": now, "terminal_id": terminal.id,
                              "door_id": terminal.door_id, "decision": str(decision),
                              "reason": str(reason), "code_id": code_id,
                              "booking_id": booking_id, "nonce": nonce, "offline": False})


def _alert_on(conn: Connection, centre_id: int, kind: str, now: datetime, **details: Any) -> None:
    """:func:`alert` in the validation's transaction (a rare branch: the ORM only here)."""
    with Session(bind=conn) as session:
        alert(session, centre_id, kind, now, **details)


def _fail(conn: Connection, terminal: _Terminal, now: datetime, before: int) -> int:
    """Count a failure; ``before``: the terminal's failures in the hour before this one."""
    failure_id: int = conn.execute(
        _ADD_FAILURE, {"p_terminal": terminal.id, "p_now": now}).scalar_one()
    hour = before + 1
    if limiter.alert_due(hour):
        _alert_on(conn, terminal.centre_id, "many_failures", now, terminal_id=terminal.id,
                  door_id=terminal.door_id, failures=hour)
    return failure_id


def validate(factory: sessionmaker[Session], token: str | None, raw: bytes,
             now: datetime) -> TerminalAnswer:
    """``POST /terminal/v1/validate``. Any error denies (fail-secure) and raises an alert."""
    try:
        step = _prepare(factory, token, raw, now)
        if isinstance(step, TerminalAnswer):
            return step
        try:
            match = verify_all(runtime().hasher, step.code, step.candidates, runtime().pool)
        except Exception:
            log.exception("door validation: hashing failed")
            match = None
        return _finish(factory, step, match, now)
    except Exception:
        log.exception("door validation failed; denied")
        try:
            with transaction(factory) as session:
                terminal = terminal_for(session, token) if token else None
                if terminal is not None:
                    alert(session, terminal.centre_id, "validation_error", now,
                          terminal_id=terminal.id, door_id=terminal.door_id)
        except Exception:
            log.exception("could not even record the alert")
        return DENY


async def validate_on_pool(factory: sessionmaker[Session], token: str | None, raw: bytes,
                           now: datetime) -> TerminalAnswer:
    """:func:`validate` on one of the hashing pool's threads: one hand-over from the event
    loop and back, its database work and its hashing in the same thread (the pool's size
    bounds the hashing in flight; see :mod:`access.validation`). Should even the hand-over
    fail, the terminal hears the same denial as for a wrong code."""
    try:
        context = contextvars.copy_context()  # the request's log context comes along
        return await asyncio.get_running_loop().run_in_executor(
            runtime().pool.executor(), context.run, validate, factory, token, raw, now)
    except Exception:
        log.exception("door validation could not run; denied")
        return DENY


def _prepare(factory: sessionmaker[Session], token: str | None, raw: bytes,
             now: datetime) -> TerminalAnswer | _Prepared:
    if not token:
        return UNAUTHORISED
    code, nonce, sent_at = _parse(raw) if len(raw) <= MAX_TERMINAL_BODY else (None,) * 3
    with core_transaction(factory) as conn:
        claimed = conn.execute(_CLAIM_TERMINAL, {"p_token": token_digest(token),
                                                 "p_now": now}).one_or_none()
        if claimed is None:
            return UNAUTHORISED
        terminal = _Terminal(claimed.id, claimed.centre_id, claimed.door_id)
        state = conn.execute(_TERMINAL_STATE, {
            "p_terminal": terminal.id, "p_door": terminal.door_id, "p_nonce": nonce,
            "p_burst_since": now - timedelta(seconds=limiter.BURST_SECONDS),
            "p_hour_ago": now - limiter.WINDOW}).all()
        head = state[0]
        if head.burst >= limiter.BURST:
            _event(conn, terminal, now, Decision.THROTTLED, Reason.RATE)
            return _throttled(1)
        failures = [row.at for row in state if row.at is not None]
        verdict = limiter.decide(failures, head.last_success, now)
        if not verdict.allowed:
            _event(conn, terminal, now, Decision.THROTTLED, Reason.THROTTLED)
            return _throttled(verdict.retry_after_seconds)
        reason: Reason | None = None
        if not codes.is_well_formed(code):
            reason = Reason.MALFORMED
        elif sent_at is None or abs((sent_at - now).total_seconds()) > CLOCK_SKEW_SECONDS:
            reason = Reason.CLOCK_SKEW
        elif nonce is None or head.seen:
            reason = Reason.REPLAY
        if reason is not None:
            _fail(conn, terminal, now, len(failures))
            _event(conn, terminal, now, Decision.DENY, reason)
            return DENY
        default = Margins()
        m = Margins(default.before_minutes if head.margin_before_minutes is None
                    else head.margin_before_minutes,
                    default.after_minutes if head.margin_after_minutes is None
                    else head.margin_after_minutes)
        candidates, bookings = candidates_at(conn, door_id=terminal.door_id,
                                             door_kind=head.kind, centre_id=terminal.centre_id,
                                             m=m, now=now)
        # Counted as a failure before the hashing: a crash in between costs the budget, never
        # grants; a match takes the failure back.
        failure_id = _fail(conn, terminal, now, len(failures))
        if len(candidates) > MAX_CANDIDATES:
            _event(conn, terminal, now, Decision.DENY, Reason.TOO_MANY_CANDIDATES, nonce=nonce)
            with Session(bind=conn) as session:
                if not _open_alert(session, "too_many_candidates", door_id=terminal.door_id,
                                   terminal_id=terminal.id):
                    alert(session, terminal.centre_id, "too_many_candidates", now,
                          terminal_id=terminal.id, door_id=terminal.door_id,
                          candidates=len(candidates))
            return DENY
        # well formed (checked above), so a str
        return _Prepared(terminal, failure_id, candidates, bookings, cast(str, code), nonce)


def _finish(factory: sessionmaker[Session], step: _Prepared, match: Any,
            now: datetime) -> TerminalAnswer:
    terminal, nonce = step.terminal, step.nonce
    with core_transaction(factory) as conn:
        if match is None or match.errors:
            _alert_on(conn, terminal.centre_id, "validation_error", now,
                      terminal_id=terminal.id, door_id=terminal.door_id,
                      codes=list(match.errors) if match else [])
        if match is None or len(match.matched) != 1:
            _event(conn, terminal, now, Decision.DENY,
                   Reason.ERROR if match is None else Reason.NO_MATCH, nonce=nonce)
            return DENY
        code_id = match.matched[0]
        booking_id = step.bookings.get(code_id)
        matched = next(c for c in step.candidates if c.code_id == code_id)
        used, params = _USED, {"p_code": code_id, "p_now": now}
        rt = runtime()
        if rt.hasher.needs_rehash(matched.code_hash, matched.key_id, terminal.centre_id):
            used = _USED_REHASHED
            params["p_hash"], params["p_key"] = rt.hasher.hash(step.code, terminal.centre_id)
        if conn.execute(used, params).rowcount != 1:
            # Revoked (or its booking cancelled) while the typed code was being hashed.
            _event(conn, terminal, now, Decision.DENY, Reason.NO_MATCH, nonce=nonce)
            return DENY
        conn.execute(_DROP_FAILURE, {"p_failure": step.failure_id})
        if booking_id is not None:
            conn.execute(_OPENED, {"p_booking": booking_id, "p_now": now})
        _event(conn, terminal, now, Decision.GRANT, Reason.MATCH, nonce=nonce,
               code_id=code_id, booking_id=booking_id)
        return GRANT


# --- offline bundles ---------------------------------------------------------------------

def make_bundle(session: Session, terminal: Terminal, now: datetime) -> dict[str, Any]:
    """The door's codes for the next hours, with their windows, signed."""
    door = session.get_one(Door, terminal.door_id)
    p = policy(session, door.centre_id)
    until = now + timedelta(hours=p.bundle_hours)
    room_ids = [r.id for r in door.rooms] if door.kind != ENTRANCE else list(
        session.scalars(select(Room.id).where(Room.centre_id == door.centre_id)))
    source = DbBookingSource(session)
    booking_ids = {b for b, _ in source.dates_near(room_ids, now, until)} if room_ids else set()
    items: list[bundles.OfflineCode] = []
    for row in session.scalars(select(AccessCode).where(
            AccessCode.state == CodeState.ACTIVE, AccessCode.offline_hash.is_not(None),
            (AccessCode.booking_id.in_(booking_ids)) | (AccessCode.door_id == door.id))
            .order_by(AccessCode.id)):
        spans: list[Window]
        if row.booking_id is not None:
            grant = source.grant("booking", row.booking_id)
            if grant is None or not grant.standing:
                continue
            spans = grant_windows(session, grant, door)
        elif row.valid_from and row.valid_until:
            spans = [Window(row.valid_from, row.valid_until)]
        else:
            continue
        spans = [w for w in spans if w.ends_at > now and w.starts_at < until]
        if spans and row.offline_hash:
            items.append(bundles.OfflineCode(row.id, row.offline_hash,
                                             tuple((w.starts_at, w.ends_at) for w in spans)))
    payload = bundles.make_payload(door_id=door.id, issued_at=now, expires_at=until,
                                   codes=items)
    return bundles.sign(runtime().signing_key, payload)


def upload_offline(session: Session, terminal: Terminal, events: list[Any],
                   now: datetime) -> int:
    """The decisions a terminal took offline, once each (deduplicated by its counter)."""
    stored = 0
    for item in events[:1000]:
        if not isinstance(item, dict):
            continue
        counter, at = item.get("counter"), _instant(item.get("at"))
        decision = item.get("decision")
        if not isinstance(counter, int) or at is None or decision not in ("grant", "deny"):
            continue
        nonce = f"offline-{counter}"
        if session.scalar(select(func.count()).select_from(DoorEvent).where(
                DoorEvent.terminal_id == terminal.id, DoorEvent.nonce == nonce)):
            continue
        code_id = item.get("code_id") if decision == "grant" else None
        if code_id is not None and (not isinstance(code_id, int)
                                    or session.get(AccessCode, code_id) is None):
            code_id = None
        session.add(DoorEvent(at=min(at, now), terminal_id=terminal.id, door_id=terminal.door_id,
                              decision=decision, reason="offline", code_id=code_id,
                              nonce=nonce, offline=True))
        stored += 1
    terminal.last_seen_at = now
    return stored


# --- reconciliation and retention (the background worker) --------------------------------

@dataclass
class Repair:
    kind: str
    booking_id: int | None = None
    code_id: int | None = None


def reconcile(session: Session, now: datetime) -> list[Repair]:
    """Derive the codes every booking should have from the bookings and repair the drift:
    missing code, code active for a booking that no longer stands, code left inactive, an
    emergency window longer than allowed; alert when a needed door has no terminal or its
    terminal went silent. Each repair is logged and audited. (The worker runs the same per
    booking, one short transaction each: :func:`worker_round`.)"""
    repairs: list[Repair] = []
    for booking_id in _reconcilable(session, now):
        _reconcile_booking(session, booking_id, now, repairs)
    _reconcile_devices(session, now, repairs)
    return _logged(repairs)


def _reconcilable(session: Session, now: datetime) -> list[int]:
    """The bookings whose codes can have drifted: every booking holding a live code (it may
    have ended, or its code may be inactive), and every confirmed booking in Eigenregie with a
    date in a room opened by code in the coming :data:`ISSUE_AHEAD` (its code may be missing,
    a door may lack a terminal). No other booking can need a repair, and walking every future
    booking each round cost the web workers' database time (issue 6's bench)."""
    holding = select(AccessCode.booking_id).where(
        AccessCode.booking_id.is_not(None),
        AccessCode.state.in_((CodeState.ACTIVE, CodeState.INACTIVE)))
    method = (select(RoomAccessMethod.method)
              .where(RoomAccessMethod.room_id == Occurrence.room_id,
                     RoomAccessMethod.valid_from <= Occurrence.starts_at)
              .order_by(RoomAccessMethod.valid_from.desc(), RoomAccessMethod.id.desc())
              .limit(1).correlate(Occurrence).scalar_subquery())
    self_managed = select(Offer.id).where(Offer.self_managed.is_(True))
    due = (select(Booking.id).join(Occurrence, Occurrence.booking_id == Booking.id)
           .where(Booking.status == BookingStatus.CONFIRMED,
                  Occurrence.status == BookingStatus.CONFIRMED,
                  Occurrence.ends_at > now - timedelta(hours=1),
                  Occurrence.starts_at < now + ISSUE_AHEAD,
                  or_(Booking.kind == BookingKind.RENTAL,
                      and_(Booking.kind.in_((BookingKind.PROGRAMME, BookingKind.GROUP)),
                           Booking.offer_id.in_(self_managed))),
                  func.coalesce(method, AccessMethod.CODE) == AccessMethod.CODE))
    found = {i for i in session.scalars(holding) if i is not None}
    found.update(session.scalars(due))
    return sorted(found)


def _logged(repairs: list[Repair]) -> list[Repair]:
    for repair in repairs:
        log.info("access reconciliation", extra={"repair": repair.kind,
                                                 "booking_id": repair.booking_id,
                                                 "code_id": repair.code_id})
    return repairs


def _reconcile_booking(session: Session, booking_id: int, now: datetime,
                       repairs: list[Repair]) -> None:
    booking = session.get(Booking, booking_id)
    if booking is None:
        return
    wanted = booking.status == BookingStatus.CONFIRMED and needs_code(session, booking)
    rows = _active_codes(session, booking.id)
    if not wanted:
        if rows:
            _revoke_rows(session, rows, None, now, "reconciled")
            repairs.extend(Repair("revoked_for_ended_booking", booking.id, r.id) for r in rows)
        return
    for row in rows:
        if row.state == CodeState.INACTIVE:
            row.state = CodeState.ACTIVE
            record(session, now, None, "access_code", row.id, "activated", reason="reconciled")
            repairs.append(Repair("activated", booking.id, row.id))
    grant = DbBookingSource(session).grant("booking", booking.id)
    if grant is None:
        return
    soon = [d for d in grant.dates if now - timedelta(hours=1) < d.ends_at
            and d.starts_at < now + ISSUE_AHEAD]
    # A code is made for the coming weeks' bookings; one further ahead is made when it comes
    # near (or when its holder asks for one on their page): argon2 costs time in the worker.
    if not rows and soon:
        issued = issue_for_booking(session, booking, None, now)
        if issued is not None:
            repairs.append(Repair("issued_missing", booking.id, issued.code_id))
    # Staff can act on a missing terminal in the days before a date (a key handover):
    # alert for the bookings of the coming week, not for every date of a long series.
    if any(d.starts_at < now + ALERT_AHEAD for d in soon):
        for door in doors_of(session, grant):
            terminals = session.scalars(select(Terminal).where(
                Terminal.door_id == door.id, Terminal.revoked_at.is_(None))).all()
            if not terminals and not _open_alert(session, "no_terminal",
                                                 booking_id=booking.id, door_id=door.id):
                alert(session, booking.centre_id, "no_terminal", now, door_id=door.id,
                      booking_id=booking.id)
                repairs.append(Repair("alert_no_terminal", booking.id))


def _reconcile_devices(session: Session, now: datetime, repairs: list[Repair]) -> None:
    for row in session.scalars(select(AccessCode).where(
            AccessCode.kind == CodeKind.EMERGENCY, AccessCode.state == CodeState.ACTIVE)):
        if row.valid_from and row.valid_until and row.valid_until - row.valid_from > \
                timedelta(minutes=MAX_EMERGENCY_MINUTES):
            row.valid_until = row.valid_from + timedelta(minutes=MAX_EMERGENCY_MINUTES)
            record(session, now, None, "access_code", row.id, "window_cut",
                   reason="reconciled")
            repairs.append(Repair("emergency_window_cut", None, row.id))
    for terminal in session.scalars(select(Terminal).where(Terminal.revoked_at.is_(None))):
        p = policy(session, terminal.centre_id)
        seen = terminal.last_seen_at or terminal.created_at
        if now - seen > timedelta(minutes=p.silent_minutes) and not _open_alert(
                session, "terminal_silent", terminal_id=terminal.id, door_id=terminal.door_id):
            alert(session, terminal.centre_id, "terminal_silent", now, terminal_id=terminal.id,
                  door_id=terminal.door_id, last_seen=seen.isoformat())
            repairs.append(Repair("alert_terminal_silent"))


def purge(session: Session, now: datetime) -> int:
    """Delete door events older than each centre's retention period, and spent failure rows."""
    deleted = 0
    session.execute(delete(TerminalFailure).where(TerminalFailure.at < now - limiter.WINDOW))
    doors = session.execute(select(Door.id, Door.centre_id)).all()
    by_centre: dict[int, list[int]] = {}
    for door_id, centre_id in doors:
        by_centre.setdefault(centre_id, []).append(door_id)
    for centre_id, door_ids in by_centre.items():
        cutoff = now - timedelta(days=policy(session, centre_id).retention_days)
        result = session.execute(delete(DoorEvent).where(DoorEvent.door_id.in_(door_ids),
                                                         DoorEvent.at < cutoff))
        deleted += int(getattr(result, "rowcount", 0) or 0)
    result = session.execute(delete(DoorEvent).where(
        DoorEvent.door_id.is_(None), DoorEvent.at < now - timedelta(days=90)))
    deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


def worker_round(factory: sessionmaker[Session], now: datetime) -> list[Repair]:
    """One round of the background worker: each booking in a short transaction of its own (on
    SQLite a transaction holds the one write lock, and issuing a code costs argon2 time), then
    the terminals and emergency codes, then the retention purge."""
    repairs: list[Repair] = []
    with factory() as session:
        booking_ids = _reconcilable(session, now)
    for booking_id in booking_ids:
        with transaction(factory) as session:
            _reconcile_booking(session, booking_id, now, repairs)
    with transaction(factory) as session:
        _reconcile_devices(session, now, repairs)
    with transaction(factory) as session:
        purge(session, now)
    return _logged(repairs)


def new_device_nonce() -> str:
    return secrets.token_hex(16)
