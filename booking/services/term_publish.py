"""Publishing a term's allocation: one series per allocated section, the sections' results,
the term published and every applicant mailed, in one transaction (issue 11 §6).

:func:`write_section_series` is the one place that writes a section's series. Today it writes
what main has: a confirmed ``group`` booking with the RRULE and its occurrences, the skipped
dates with their reasons in its notes (and on the run). A first-class series entity with
skipped dates (issue 10) replaces its body, not its callers.

A booking confirmed after the run but before publishing that collides with a date (a rental
in the group's slot) makes that date **skipped** with the reason ``booking``, rather than
refusing the whole publication: the group keeps its slot for the term and learns which date
it loses, as with a holiday; staff see the booking that took it. The rooms are locked while
the dates are written, so the database's no-overlap guarantee cannot be raced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking import mailer
from booking.audit import record
from booking.errors import Conflict
from booking.messages import Message, Weekly, Word
from booking.models import (
    HOLDING_STATUS,
    Application,
    ApplicationSection,
    Booking,
    BookingKind,
    BookingStatus,
    Centre,
    Group,
    Occurrence,
    Room,
    Term,
    TermRun,
)
from booking.permissions import Actor, require_staff
from booking.recurrence import expand
from booking.services.conflicts import holding_overlaps, is_overlap_error, public_title
from booking.services.locking import lock_rooms
from booking.services.term_runs import (
    SectionResult,
    Skipped,
    TermDraft,
    get_term_run,
    read_term_run,
    stored,
)
from booking.services.terms import STATUS_WORDS
from booking.timeutil import to_local
from booking.translations import DEFAULT_LANGUAGE

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class SeriesSlot:
    """What a section's series is: a room, weekdays, local start and end, how often."""

    room_id: int
    days: tuple[int, ...]
    start: int  # minutes from local midnight
    end: int
    frequency: str  # weekly | fortnightly | monthly
    month_weeks: tuple[int, ...] = ()


def rrule_of(slot: SeriesSlot, until: date) -> str:
    """The RFC 5545 rule of a slot, up to the term's last day (local dates)."""
    if slot.frequency == "monthly":
        byday = ",".join(f"{n}{WEEKDAYS[d]}" for d in slot.days for n in slot.month_weeks)
        head = "FREQ=MONTHLY"
    else:
        byday = ",".join(WEEKDAYS[d] for d in slot.days)
        head = "FREQ=WEEKLY;INTERVAL=2" if slot.frequency == "fortnightly" else "FREQ=WEEKLY"
    return f"{head};BYDAY={byday};UNTIL={until:%Y%m%d}T235959"


def write_section_series(session: Session, *, centre: Centre, title: str,
                         group_id: int | None, offer_id: int | None, slot: SeriesSlot,
                         first_day: date, until: date, skipped: Sequence[Skipped],
                         staff_id: int, now: datetime,
                         ) -> tuple[Booking, list[Skipped]]:
    """Write one section's series for the term: the rule's dates from ``first_day`` to
    ``until`` without the ``skipped`` ones. A date a booking confirmed meanwhile holds is
    skipped too (reason ``booking``); the skipped dates, all of them, come back. The caller
    holds the room's lock."""
    rule = rrule_of(slot, until)
    duration = timedelta(minutes=slot.end - slot.start)
    start = time(slot.start // 60, slot.start % 60)
    spans = expand(rule, first_day, start, duration, centre.timezone, until=until,
                   exdates=[s.day for s in skipped])
    all_skipped = list(skipped)
    booking = Booking(centre_id=centre.id, kind=BookingKind.GROUP,
                      status=BookingStatus.CONFIRMED, title=title, group_id=group_id,
                      offer_id=offer_id, rrule=rule, requested_by_id=staff_id,
                      responsible_id=staff_id, created_at=now, updated_at=now)
    for begin, finish in spans:
        if begin < now:
            # A reopened term: dates already past stay as the earlier publication held them.
            continue
        taken = holding_overlaps(session, slot.room_id, begin, finish)
        if taken:
            all_skipped.append(Skipped(
                to_local(begin, centre.timezone).date(), "booking", Message("skipped_booking"),
                f"{public_title(session, taken[0].booking)} (Buchung {taken[0].booking_id})"))
            continue
        booking.occurrences.append(Occurrence(room_id=slot.room_id, starts_at=begin,
                                              ends_at=finish, status=HOLDING_STATUS))
    all_skipped.sort(key=lambda s: s.day)
    booking.notes = "\n".join(
        f"{s.day.isoformat()}: {s.message.render(DEFAULT_LANGUAGE)}"
        + (f" – {s.detail}" if s.detail else "") for s in all_skipped) or None
    session.add(booking)
    return booking, all_skipped


def _outdated(session: Session, term: Term, run: TermRun, draft: TermDraft) -> bool:
    """Whether the round changed after the run was queued: a new or changed application,
    or a section the run does not know."""
    known = {s.section_id for s in draft.sections}
    for application in session.scalars(select(Application).where(
            Application.term_id == term.id, Application.status == "submitted")):
        if _aware(application.updated_at) > _aware(run.created_at):
            return True
        if any(s.id not in known and s.status != "rejected" for s in application.sections):
            return True
    return False


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive UTC; PostgreSQL aware.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def publish_term_run(session: Session, actor: Actor, run_id: int, now: datetime) -> TermRun:
    """Publish a finished run, in one transaction: series, section results, the term's
    status, the mails. Withdrawn applications and rejected sections are never written."""
    run, term = get_term_run(session, actor, run_id, lock=True)
    staff_id = require_staff(actor, term.centre_id)
    term = session.get_one(Term, term.id, with_for_update=True)
    if run.status != "done":
        raise Conflict("term_run_not_done", status=run.status)
    if term.status != "allocating":
        raise Conflict("term_not_allocating", current=Word(STATUS_WORDS[term.status]))
    _, plan, ids = stored(run)
    if plan.status == "no_plan":
        raise Conflict("term_run_no_plan")
    draft = read_term_run(session, run)
    assert draft is not None  # stored() checked the plan is there
    if _outdated(session, term, run, draft):
        raise Conflict("term_run_outdated")
    centre = session.get_one(Centre, term.centre_id)
    lock_rooms(session, sorted(ids.rooms.values()))
    _retire_earlier_publication(session, term, now)

    rows = {s.id: s for s in session.scalars(
        select(ApplicationSection).join(Application).where(Application.term_id == term.id))}
    applications = {a.id: a for a in session.scalars(
        select(Application).where(Application.term_id == term.id))}
    series: dict[str, dict[str, object]] = {}
    results: dict[int, list[tuple[SectionResult, list[Skipped], int]]] = {}
    written = refused = 0
    try:
        with session.begin_nested():
            for result in draft.sections:
                row = rows.get(result.section_id)
                application = applications.get(result.application_id)
                if row is None or application is None:
                    continue
                if application.status == "withdrawn" or row.status == "rejected":
                    continue
                if result.allocated and result.dates:
                    assert result.room_id is not None and result.start is not None
                    assert result.end is not None
                    first = min([to_local(s, centre.timezone).date() for s, _ in result.dates]
                                + [s.day for s in result.skipped])
                    booking, skipped = write_section_series(
                        session, centre=centre, title=row.title, group_id=application.group_id,
                        offer_id=row.offer_id,
                        slot=SeriesSlot(result.room_id, result.days, result.start, result.end,
                                        row.frequency, tuple(row.month_weeks)),
                        first_day=first, until=term.ends_on, skipped=result.skipped,
                        staff_id=staff_id, now=now)
                    session.flush()
                    row.status, row.reason = "allocated", ""
                    series[str(row.id)] = {
                        "booking_id": booking.id,
                        "skipped": [{"date": s.day.isoformat(), "reason": s.reason,
                                     "code": s.message.code, "detail": s.detail}
                                    for s in skipped]}
                    results.setdefault(application.id, []).append(
                        (result, skipped, len(booking.occurrences)))
                    written += 1
                else:
                    row.status = "refused"
                    row.reason = result.reason.code if result.reason else "refusal_other"
                    results.setdefault(application.id, []).append((result, [], 0))
                    refused += 1
            session.flush()
    except IntegrityError as exc:
        # The rooms are locked, so only a writer that ignores the lock gets here.
        if not is_overlap_error(exc):
            raise
        raise Conflict("term_run_outdated") from exc
    term.status, term.published_at = "published", now
    run.status, run.published_at, run.series = "published", now, series
    record(session, now, staff_id, "term_run", run.id, "published", term=term.id,
           series=written, refused=refused)
    for application_id, items in results.items():
        _mail(session, centre, term, applications[application_id], items, now)
    return run


def _retire_earlier_publication(session: Session, term: Term, now: datetime) -> None:
    """A reopened term: the series an earlier publication wrote end now (their future dates
    are cancelled); the new publication writes them again."""
    for earlier in session.scalars(select(TermRun).where(TermRun.term_id == term.id,
                                                         TermRun.status == "published")):
        for entry in (earlier.series or {}).values():
            booking = session.get(Booking, int(entry["booking_id"]))
            if booking is None:
                continue
            for occ in booking.occurrences:
                if occ.status == HOLDING_STATUS and occ.starts_at >= now:
                    occ.status = BookingStatus.CANCELLED
        earlier.status = "done"
    session.flush()


def _mail(session: Session, centre: Centre, term: Term, application: Application,
          items: Sequence[tuple[SectionResult, list[Skipped], int]], now: datetime) -> None:
    """Each contact of the group hears the result in their language; the centre's own
    programme is nobody's mail."""
    if application.group_id is None:
        return
    group = session.get(Group, application.group_id)
    if group is None:
        return
    rooms = {r.id: r.name for r in session.scalars(select(Room).where(
        Room.centre_id == centre.id))}
    for person in group.contacts:
        lang = person.language
        lines: list[str] = []
        for result, skipped, count in items:
            lines.append("")
            if result.allocated and result.dates:
                local = [to_local(s, centre.timezone) for s, _ in result.dates]
                lines.append(Message("term_mail_allocated", {
                    "title": result.title, "slot": slot_message(result, rooms),
                    "count": count, "first": local[0].date(),
                    "last": local[-1].date()}).render(lang))
                lines += ["  " + Message("term_mail_skipped", {
                    "day": s.day, "reason": s.message}).render(lang) for s in skipped]
            else:
                reason = result.reason.render(lang) if result.reason else ""
                lines.append(Message("term_mail_refused", {
                    "title": result.title, "reason": reason}).render(lang))
        mailer.enqueue(session, to=person, kind=mailer.MailKind.TERM_RESULT, now=now, context={
            "subject": Message("term_mail_subject", {"term": term.name}).render(lang),
            "greeting": Message("term_mail_hello", {
                "name": person.display_name or ""}).render(lang),
            "body": Message("term_mail_intro", {"term": term.name}).render(lang)
            + "\n" + "\n".join(lines),
            "closing": Message("term_mail_closing", {"centre": centre.name}).render(lang),
            "path": f"/api/applications/{application.id}"})


def slot_message(result: SectionResult, rooms: dict[int, str]) -> Message:
    """``Di. 16:00–18:00, Gruppenraum 1`` in the reader's language."""
    assert result.start is not None and result.end is not None
    return Message("term_slot", {
        "days": [Weekly(d, result.start, result.end) for d in result.days],
        "room": rooms.get(result.room_id or 0, "")})
