"""Publishing a term's allocation: one series per allocated section, the sections' results,
the term published and every applicant mailed, in one transaction (issue 11 §6).

Each allocated section becomes an issue-10 series (:func:`booking.services.series.create_series`
with ``on_conflict="skip"``): the rule of its slot from its first date to the term's last day,
every date judged by the one conflict preview (:func:`booking.services.series.assess`). A date
that cannot be held (an NRW holiday, a closure, a booking confirmed before publishing, e.g. a
rental in the group's slot) is stored as a *skipped* date with its reason, rather than refusing
the publication: the group keeps its slot for the term and learns which dates it loses; staff
see the booking that took a date, the applicant only that the room is taken.

The series, the sections' results and the term's status are written in the caller's one
transaction; anything that fails (a room taken meanwhile) leaves nothing half-written.

A published term reopened for a late change publishes again through the same preview (the new
run), and the series the earlier publication wrote are kept, edited or ended, never written
twice (:func:`_retire_earlier_publication`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    DateState,
    Group,
    Room,
    Series,
    Term,
    TermRun,
)
from booking.permissions import Actor, require_staff
from booking.services import bookings as booking_service
from booking.services import series as series_service
from booking.services.conflicts import is_overlap_error
from booking.services.locking import lock_rooms
from booking.services.term_published import (
    DATES_TAKEN,
    PublishedSection,
    PublishedSkip,
    SeriesSlot,
    published_json,
    read_published,
)
from booking.services.term_runs import (
    SectionResult,
    Skipped,
    TermDraft,
    get_term_run,
    read_term_run,
    refused_at_publish,
    stored,
)
from booking.services.terms import STATUS_WORDS
from booking.timeutil import local_today, to_local

WEEKDAYS = series_service.WEEKDAYS


def pattern_of(slot: SeriesSlot) -> series_service.Pattern:
    """The series pattern of a slot: weekly, every two weeks, or monthly on nth weekdays."""
    weekdays = tuple(WEEKDAYS[d] for d in slot.days)
    if slot.frequency == "monthly":
        return series_service.Pattern("monthly_weekday", weekdays=weekdays,
                                      positions=slot.month_weeks)
    return series_service.Pattern("weekly", interval=2 if slot.frequency == "fortnightly"
                                  else 1, weekdays=weekdays)


def rrule_of(slot: SeriesSlot, until: date) -> str:
    """The RFC 5545 rule of a slot, up to the term's last day (local dates)."""
    body = series_service.pattern_rrule(pattern_of(slot))
    assert body is not None
    return f"{body};UNTIL={until:%Y%m%d}T235959"


def applicant_skip(day: date, state: str, reason: Message | None,
                   planned: Mapping[date, Skipped] | None = None) -> Skipped:
    """A date of a series that does not take place, in the applicant's register: a holiday
    or a closure by name, a booking only as "the room is taken" (naming nobody); ``detail``
    keeps the booking's title for staff. The plan's own reason for the date wins when it has
    one (it knows a closure booking from a rental)."""
    if planned and day in planned:
        return planned[day]
    if state == DateState.CANCELLED:
        return Skipped(day, "cancelled", Message("skipped_cancelled"))
    params = dict(reason.params) if reason else {}
    code = reason.code if reason else ""
    if code == "reason_holiday":
        name = str(params.get("name", ""))
        return Skipped(day, "holiday", Message("skipped_holiday", {"name": Word(name)}), name)
    if code == "reason_closed":
        why = str(params.get("reason", ""))
        return Skipped(day, "closure", Message("skipped_closure", {"reason": why}), why)
    return Skipped(day, "booking", Message("skipped_booking"), str(params.get("title", "")))


def series_dates(series: Series, first: date, last: date,
                 planned: Mapping[date, Skipped] | None = None,
                 ) -> tuple[list[tuple[datetime, datetime]], list[Skipped]]:
    """What a series holds in ``[first, last]``: the instants of its dates that take place and
    every other date with its reason for the applicant (:func:`applicant_skip`)."""
    held: list[tuple[datetime, datetime]] = []
    skipped: list[Skipped] = []
    for row in series.dates:
        if not first <= row.day <= last:
            continue
        occ = row.occurrence
        if row.state == DateState.PLANNED and occ is not None and occ.status == HOLDING_STATUS:
            held.append((occ.starts_at, occ.ends_at))
        else:
            skipped.append(applicant_skip(row.day, row.state, series_service.stored_reason(row),
                                          planned))
    held.sort()
    skipped.sort(key=lambda s: s.day)
    return held, skipped


def write_section_series(session: Session, actor: Actor, *, centre: Centre, title: str,
                         group_id: int | None, offer_id: int | None, slot: SeriesSlot,
                         first_day: date, until: date, skipped: Sequence[Skipped],
                         now: datetime) -> tuple[Series, list[Skipped]]:
    """Write one section's series for the term: the slot's rule from ``first_day`` (a date
    of the rule, so a fortnightly group keeps its phase) to ``until``, through the series
    service with ``on_conflict="skip"``: every date that is not free is stored as skipped
    with its reason. Returns the series and its skipped dates in the applicant's register
    (``skipped``, the plan's reasons, name the cause where the plan knew it)."""
    spec = series_service.SeriesSpec(
        kind=BookingKind.GROUP, title=title, room_id=slot.room_id,
        start=time(slot.start // 60, slot.start % 60),
        duration=timedelta(minutes=slot.end - slot.start), first_date=first_day,
        pattern=pattern_of(slot), until=until, offer_id=offer_id, group_id=group_id)
    outcome = series_service.create_series(session, actor, spec, now=now, on_conflict="skip")
    assert outcome.series is not None
    _, lost = series_dates(outcome.series, first_day, until, {s.day: s for s in skipped})
    return outcome.series, lost


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
    _, plan, _ids = stored(run)
    if plan.status == "no_plan":
        raise Conflict("term_run_no_plan")
    draft = read_term_run(session, run)
    assert draft is not None  # stored() checked the plan is there
    if _outdated(session, term, run, draft):
        raise Conflict("term_run_outdated")
    centre = session.get_one(Centre, term.centre_id)
    # Every room a series may be written, moved or ended in, once and in order.
    lock_rooms(session, session.scalars(select(Room.id).where(Room.centre_id == centre.id)))
    today = local_today(now, centre.timezone)

    rows = {s.id: s for s in session.scalars(
        select(ApplicationSection).join(Application).where(Application.term_id == term.id))}
    applications = {a.id: a for a in session.scalars(
        select(Application).where(Application.term_id == term.id))}
    wanted: dict[int, tuple[SectionResult, SeriesSlot, list[date]]] = {}
    refusals: list[SectionResult] = []
    for result in draft.sections:
        row = rows.get(result.section_id)
        application = applications.get(result.application_id)
        if row is None or application is None:
            continue
        if application.status == "withdrawn" or row.status == "rejected":
            continue
        if result.allocated and (result.dates or result.skipped):
            assert result.room_id is not None and result.start is not None
            assert result.end is not None
            slot = SeriesSlot(result.room_id, result.days, result.start, result.end,
                              row.frequency, tuple(row.month_weeks))
            # The rule's dates in the term: those the plan holds and those it skips.
            days = sorted({to_local(s, centre.timezone).date() for s, _ in result.dates}
                          | {s.day for s in result.skipped})
            wanted[row.id] = (result, slot, days)
        else:
            refusals.append(result)

    published: dict[int, PublishedSection] = {}
    results: dict[int, list[tuple[SectionResult, list[tuple[datetime, datetime]],
                                  list[Skipped]]]] = {}
    taken: list[int] = []
    try:
        with session.begin_nested():
            kept, ended = _retire_earlier_publication(
                session, actor, term, {k: (v[1], [d for d in v[2] if d >= today])
                                       for k, v in wanted.items()}, now)
            for section_id, (result, slot, days) in wanted.items():
                row = rows[section_id]
                application = applications[result.application_id]
                written = kept.get(section_id)
                chain = ended.get(section_id, [])
                if written is None:
                    future = [d for d in days if d >= today]
                    if future:
                        try:
                            with session.begin_nested():
                                made, _ = write_section_series(
                                    session, actor, centre=centre, title=row.title,
                                    group_id=application.group_id, offer_id=row.offer_id,
                                    slot=slot, first_day=future[0], until=term.ends_on,
                                    skipped=result.skipped, now=now)
                        except series_service.NothingFree as exc:
                            # Every date was taken or closed after the run: no series that
                            # holds nothing, but a refusal with its reason, and the rest of
                            # the term publishes.
                            lost = [applicant_skip(v.day, v.state, v.reason,
                                                   {s.day: s for s in result.skipped})
                                    for v in exc.verdicts]
                            row.status, row.reason = "refused", DATES_TAKEN
                            published[section_id] = PublishedSection(
                                section_id, earlier=tuple(chain), slot=slot,
                                skipped=tuple(_skip_record(s) for s in lost),
                                refused=DATES_TAKEN)
                            taken.append(section_id)
                            results.setdefault(application.id, []).append(
                                (refused_at_publish(result, lost), [], []))
                            continue
                        written = (made, chain)
                row.status, row.reason = "allocated", ""
                if written is None:
                    continue  # a reopened term: every date of this slot is past already
                made, chain = written
                held, lost = series_dates(made, term.starts_on, term.ends_on,
                                          {s.day: s for s in result.skipped})
                held = _earlier_held(session, chain, made) + held
                published[section_id] = PublishedSection(
                    section_id, booking_id=made.booking_id, series_id=made.id,
                    earlier=tuple(chain), slot=slot,
                    skipped=tuple(_skip_record(s) for s in lost))
                results.setdefault(application.id, []).append((result, held, lost))
            for result in refusals:
                row = rows[result.section_id]
                row.status = "refused"
                row.reason = result.reason.code if result.reason else "refusal_other"
                results.setdefault(result.application_id, []).append((result, [], []))
            session.flush()
    except IntegrityError as exc:
        # The rooms are locked, so only a writer that ignores the lock gets here.
        if not is_overlap_error(exc):
            raise
        raise Conflict("term_run_outdated") from exc
    term.status, term.published_at = "published", now
    run.status, run.published_at = "published", now
    run.series = published_json(published)
    record(session, now, staff_id, "term_run", run.id, "published", term=term.id,
           series=len(published) - len(taken), refused=len(refusals),
           refused_all_dates_taken=taken, kept=len(kept), ended=len(ended))
    for application_id, items in results.items():
        _mail(session, centre, term, applications[application_id], items, now)
    return run


def _skip_record(skip: Skipped) -> PublishedSkip:
    return PublishedSkip(skip.day, skip.reason, skip.message.code, skip.detail)


def _earlier_held(session: Session, chain: Sequence[int],
                  current: Series) -> list[tuple[datetime, datetime]]:
    """The dates a section held under the series an earlier publication wrote and a reopened
    term ended (before the current series' first date)."""
    held: list[tuple[datetime, datetime]] = []
    for series_id in chain:
        earlier = session.get(Series, series_id)
        if earlier is None or earlier.id == current.id:
            continue
        held += [(r.occurrence.starts_at, r.occurrence.ends_at) for r in earlier.dates
                 if r.day < current.first_date and r.state == DateState.PLANNED
                 and r.occurrence is not None and r.occurrence.status == HOLDING_STATUS]
    return sorted(held)


def _retire_earlier_publication(
        session: Session, actor: Actor, term: Term,
        wanted: Mapping[int, tuple[SeriesSlot, list[date]]], now: datetime,
) -> tuple[dict[int, tuple[Series, list[int]]], dict[int, list[int]]]:
    """A reopened term: the series an earlier publication wrote are kept, edited or ended,
    so the new publication writes no second series for a section.

    ``wanted`` is each section's slot under the new run with its dates from today on. A
    series whose dates from today on are those dates stays (its time, length or room edited
    from today on if they changed, through :func:`booking.services.series.edit_series`, so
    dates changed on their own stay changed); any other (other weekdays, another rhythm, the
    section refused or withdrawn) ends today and the caller writes a new one. Returns the
    series kept by section and, by section, the series ended (for the dates they held)."""
    centre = session.get_one(Centre, term.centre_id)
    today = local_today(now, centre.timezone)
    kept: dict[int, tuple[Series, list[int]]] = {}
    ended: dict[int, list[int]] = {}
    edits: list[tuple[Series, SeriesSlot]] = []
    for earlier in session.scalars(select(TermRun).where(TermRun.term_id == term.id,
                                                         TermRun.status == "published")):
        for section_id, entry in read_published(earlier).items():
            chain = list(entry.earlier)
            if entry.series_id is None or entry.booking_id is None:
                # Refused at that publication: it wrote no series to keep or end, only the
                # chain of series before it.
                if chain:
                    ended[section_id] = chain
                continue
            row = session.get(Series, entry.series_id)
            booking = session.get(Booking, entry.booking_id)
            if row is None or booking is None:
                continue
            want = wanted.get(section_id)
            if want is not None and booking.status == BookingStatus.CONFIRMED:
                slot, future = want
                if sorted(r.day for r in row.dates if r.day >= today) == future:
                    start, minutes, room_id = series_service.params(row, today)
                    if (start, minutes, room_id) != (slot.start, slot.end - slot.start,
                                                     slot.room_id):
                        edits.append((row, slot))
                    kept[section_id] = (row, chain)
                    continue
            if booking.status != BookingStatus.CANCELLED:
                booking_service.cancel_booking(session, actor, booking.id, "term reopened",
                                               now, from_time=now)
            ended[section_id] = [*chain, row.id]
        earlier.status = "done"
    session.flush()
    # Ends first, so an edit may take a slot an ended series leaves.
    for row, slot in edits:
        series_service.edit_series(
            session, actor, row.id, series_service.SeriesChange(
                start=time(slot.start // 60, slot.start % 60),
                duration=timedelta(minutes=slot.end - slot.start), room_id=slot.room_id),
            now=now, on_conflict="skip")
    return kept, ended


def _mail(session: Session, centre: Centre, term: Term, application: Application,
          items: Sequence[tuple[SectionResult, list[tuple[datetime, datetime]], list[Skipped]]],
          now: datetime) -> None:
    """Each contact of the group hears the result in their language: the slot, the dates it
    holds, each skipped date with its reason, or the refusal with its reason. The centre's
    own programme is nobody's mail."""
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
        for result, held, skipped in items:
            lines.append("")
            if result.allocated:
                local = [to_local(s, centre.timezone).date() for s, _ in held]
                lines.append(Message("term_mail_allocated", {
                    "title": result.title, "slot": slot_message(result, rooms),
                    "count": len(held), "first": local[0] if local else term.starts_on,
                    "last": local[-1] if local else term.ends_on}).render(lang))
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
            "path": f"/antraege/{application.id}"})


def slot_message(result: SectionResult, rooms: dict[int, str]) -> Message:
    """``Di. 16:00–18:00, Gruppenraum 1`` in the reader's language."""
    assert result.start is not None and result.end is not None
    return Message("term_slot", {
        "days": [Weekly(d, result.start, result.end) for d in result.days],
        "room": rooms.get(result.room_id or 0, "")})
