"""The term's application round: staff open a term, groups apply for regular slots, staff
set the priority classes the planner follows (issue 11 §1–§3).

Who may do what:

* a term in draft is the staff's own business (invisible to others); from ``open`` on, its
  dates, application period and criteria are public, with the centre's priority classes;
* a group's contact person applies for the group while the round is open and the period runs,
  sees and changes the application while the round is open, and withdraws it any time;
* staff apply on a group's behalf or for the centre's own programme (no group) while the round
  is open or being allocated, and reject a section with a reason the applicant reads.

Each section's priority class follows from the classes' conditions (:func:`class_of`): rules,
not a score, and the same function the planner's problem builder will use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from booking.audit import record
from booking.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.messages import Span, Word
from booking.models import (
    Application,
    ApplicationSection,
    Feature,
    Group,
    PriorityClass,
    Room,
    Term,
    Theme,
    group_contact,
)
from booking.models.terms import CLASS_CONDITIONS, FREQUENCIES, TERM_FLOW
from booking.permissions import Actor, require_login, require_staff
from booking.services.catalogue import get_centre
from booking.translations import N_

MAX_SECTIONS = 10
MAX_CLASSES = 20
MONTH_WEEKS = frozenset({1, 2, 3, 4, -1})
EDITABLE_BY_APPLICANT = frozenset({"open"})
EDITABLE_BY_STAFF = frozenset({"open", "allocating"})
STATUS_WORDS = {"draft": N_("Entwurf"), "open": N_("offen für Anträge"),
                "allocating": N_("in der Vergabe"), "published": N_("veröffentlicht"),
                "closed": N_("abgeschlossen")}


def _status(status: str) -> Word:
    return Word(STATUS_WORDS[status])

# --------------------------------------------------------------------------------- terms


def create_term(session: Session, actor: Actor, centre_id: int, *, name: str, starts_on: date,
                ends_on: date, applications_from: datetime, applications_until: datetime,
                criteria: str, now: datetime) -> Term:
    staff_id = require_staff(actor, get_centre(session, centre_id).id)
    _check_term_dates(starts_on, ends_on, applications_from, applications_until)
    term = Term(centre_id=centre_id, name=name, starts_on=starts_on, ends_on=ends_on,
                applications_from=applications_from, applications_until=applications_until,
                criteria=criteria, status="draft", created_at=now)
    session.add(term)
    session.flush()
    record(session, now, staff_id, "term", term.id, "created", name=name)
    return term


def _check_term_dates(starts_on: date, ends_on: date, applications_from: datetime,
                      applications_until: datetime) -> None:
    if starts_on >= ends_on:
        raise InvalidInput("term_dates")
    if (ends_on - starts_on).days > 366:
        raise InvalidInput("term_too_long")
    if applications_from >= applications_until:
        raise InvalidInput("term_application_period")


def visible_terms(actor: Actor) -> Any:
    """A draft is seen by the centre's staff only."""
    centres = actor.staff_centres
    if centres is None and actor.is_any_staff:
        return Term.status.is_not(None)
    if centres:
        return or_(Term.status != "draft", Term.centre_id.in_(sorted(centres)))
    return Term.status != "draft"


def list_terms(session: Session, actor: Actor, centre_id: int) -> Sequence[Term]:
    get_centre(session, centre_id)
    return session.scalars(select(Term).where(Term.centre_id == centre_id, visible_terms(actor))
                           .order_by(Term.starts_on, Term.id)).all()


def get_term(session: Session, actor: Actor, term_id: int) -> Term:
    term = session.scalars(select(Term).where(Term.id == term_id, visible_terms(actor))).first()
    if term is None:
        raise NotFound("no_term", nr=term_id)
    return term


def update_term(session: Session, actor: Actor, term_id: int, changes: Mapping[str, Any],
                now: datetime) -> Term:
    """Change a term's details or move it along its status flow (``TERM_FLOW``)."""
    term = session.get(Term, term_id, with_for_update=True)
    if term is None:
        raise NotFound("no_term", nr=term_id)
    staff_id = require_staff(actor, term.centre_id)
    status = changes.get("status")
    if status is not None and status not in STATUS_WORDS:
        raise InvalidInput("term_status_unknown", known=list(STATUS_WORDS))
    if status is not None and status != term.status:
        if status not in TERM_FLOW[term.status]:
            raise Conflict("term_status_flow", status=_status(status),
                           current=_status(term.status))
        if status == "published":
            # Publishing writes the allocation as series; that belongs to the planner's
            # publish step, not to a status field.
            raise Conflict("term_publish_by_plan")
        record(session, now, staff_id, "term", term.id, "status", old=term.status, new=status)
        term.status = status
    details = {k: v for k, v in changes.items() if k != "status" and v is not None}
    if details:
        if term.status not in ("draft", "open"):
            raise Conflict("term_details_fixed", current=_status(term.status))
        for key, value in details.items():
            setattr(term, key, value)
        _check_term_dates(term.starts_on, term.ends_on, term.applications_from,
                          term.applications_until)
        record(session, now, staff_id, "term", term.id, "changed", fields=sorted(details))
    return term


# ------------------------------------------------------------------------- priority classes


def list_priority_classes(session: Session, centre_id: int) -> Sequence[PriorityClass]:
    get_centre(session, centre_id)
    return session.scalars(select(PriorityClass).where(PriorityClass.centre_id == centre_id)
                           .order_by(PriorityClass.rank)).all()


def set_priority_classes(session: Session, actor: Actor, centre_id: int,
                         classes: Sequence[Mapping[str, Any]],
                         now: datetime) -> Sequence[PriorityClass]:
    """Replace the centre's ordered classes. The last one must take everyone (no
    conditions), so every section has a class and nobody is left out by an oversight."""
    staff_id = require_staff(actor, get_centre(session, centre_id).id)
    if not classes or len(classes) > MAX_CLASSES:
        raise InvalidInput("priority_classes_count", n=MAX_CLASSES)
    for item in classes:
        unknown = sorted(set(item.get("conditions", {})) - set(CLASS_CONDITIONS))
        if unknown:
            raise InvalidInput("priority_class_condition", names=unknown,
                               known=list(CLASS_CONDITIONS))
    if classes[-1].get("conditions"):
        raise InvalidInput("priority_classes_catch_all")
    session.execute(delete(PriorityClass).where(PriorityClass.centre_id == centre_id))
    session.flush()
    rows = [PriorityClass(centre_id=centre_id, rank=rank, name=item["name"],
                          conditions=dict(item.get("conditions", {})))
            for rank, item in enumerate(classes, start=1)]
    session.add_all(rows)
    session.flush()
    record(session, now, staff_id, "centre", centre_id, "priority_classes",
           names=[row.name for row in rows])
    return rows


def class_of(section: ApplicationSection, application: Application,
             classes: Sequence[PriorityClass]) -> PriorityClass | None:
    """The first class (by rank) whose every condition holds for the section."""
    facts: dict[str, Any] = {
        "own_programme": application.own_programme,
        "non_profit": application.non_profit,
        "from_district": application.from_district,
    }
    listed = {"target_groups_any": set(section.target_groups),
              "age_groups_any": set(section.age_groups), "themes_any": {section.theme}}
    for cls in sorted(classes, key=lambda c: c.rank):
        if all(_holds(key, wanted, facts, listed) for key, wanted in cls.conditions.items()):
            return cls
    return None


def _holds(key: str, wanted: Any, facts: Mapping[str, Any],
           listed: Mapping[str, set[str]]) -> bool:
    if key in listed:
        return bool(listed[key] & set(wanted or []))
    return bool(facts.get(key)) == bool(wanted)


# ---------------------------------------------------------------------------- applications


def _is_contact(session: Session, person_id: int, group_id: int) -> bool:
    return bool(session.scalar(select(exists().where(group_contact.c.group_id == group_id,
                                                     group_contact.c.person_id == person_id))))


def _check_applicant(session: Session, actor: Actor, term: Term, group_id: int | None,
                     now: datetime) -> int:
    """Who applies: the group's contact during the application period, or staff while the
    round is open or being allocated. Returns the applicant's person id."""
    person_id = require_login(actor)
    staff = actor.is_staff_of(term.centre_id)
    if group_id is not None:
        group = session.get(Group, group_id)
        if group is None or group.centre_id != term.centre_id:
            raise NotFound("no_group", id=group_id)
        if not staff and not _is_contact(session, person_id, group_id):
            raise NotFound("no_group", id=group_id)
    elif not staff:
        raise InvalidInput("application_needs_group")
    if staff:
        if term.status not in EDITABLE_BY_STAFF:
            raise Conflict("term_not_open", current=_status(term.status))
    elif term.status not in EDITABLE_BY_APPLICANT or not (
            term.applications_from <= now < term.applications_until):
        raise Conflict("application_period_closed", period=Span(
            term.applications_from, term.applications_until,
            get_centre(session, term.centre_id).timezone))
    return person_id


def _sections(session: Session, centre_id: int,
              specs: Sequence[Mapping[str, Any]]) -> list[ApplicationSection]:
    if not specs or len(specs) > MAX_SECTIONS:
        raise InvalidInput("application_sections_count", n=MAX_SECTIONS)
    rooms = set(session.scalars(select(Room.id).where(Room.centre_id == centre_id)))
    return [_section(spec, rooms, number) for number, spec in enumerate(specs, start=1)]


def _minutes(value: str) -> int:
    hours, _, minutes = value.partition(":")
    return int(hours) * 60 + int(minutes)


def _section(spec: Mapping[str, Any], rooms: set[int], number: int) -> ApplicationSection:
    lo, hi = spec["min_minutes"], spec["max_minutes"]
    if lo > hi:
        raise InvalidInput("section_duration_order", section=number)
    if spec.get("theme", "other") not in {str(t) for t in Theme}:
        raise InvalidInput("section_theme", section=number,
                           known=[t.value for t in Theme])
    frequency = spec.get("frequency", "weekly")
    if frequency not in FREQUENCIES:
        raise InvalidInput("section_frequency", section=number)
    month_weeks = list(spec.get("month_weeks") or [])
    if frequency == "monthly" and (not month_weeks or set(month_weeks) - MONTH_WEEKS):
        raise InvalidInput("section_month_weeks", section=number)
    if frequency != "monthly" and month_weeks:
        raise InvalidInput("section_month_weeks_only_monthly", section=number)
    if spec.get("meetings_per_week", 1) > 1 and frequency != "weekly":
        raise InvalidInput("section_meetings_weekly_only", section=number)
    allowed = [_window(w, number) for w in spec.get("allowed_windows", [])]
    if not allowed:
        raise InvalidInput("section_needs_window", section=number)
    if not any(w["end_m"] - w["start_m"] >= lo for w in allowed):
        raise InvalidInput("section_window_too_short", section=number, minutes=lo)
    preferred = [_window(w, number) for w in spec.get("preferred_windows", [])]
    for w in preferred:
        if not any(a["day"] == w["day"] and a["start_m"] <= w["start_m"]
                   and w["end_m"] <= a["end_m"] for a in allowed):
            raise InvalidInput("section_preferred_outside_allowed", section=number)
    unknown_rooms = sorted(set(spec.get("room_ids", [])) - rooms)
    if unknown_rooms:
        raise NotFound("no_room", id=unknown_rooms[0])
    unknown = sorted(set(spec.get("features", [])) - {str(f) for f in Feature})
    if unknown:
        raise InvalidInput("unknown_features", names=unknown)

    def plain(w: dict[str, Any], ranked: bool) -> dict[str, Any]:
        out = {"day": w["day"], "start": w["start"], "end": w["end"]}
        if ranked:
            out["rank"] = w.get("rank", 1)
        return out

    return ApplicationSection(
        title=spec["title"], offer_id=spec.get("offer_id"), theme=spec.get("theme", "other"),
        target_groups=list(spec.get("target_groups", [])),
        age_groups=list(spec.get("age_groups", [])),
        expected_people=spec.get("expected_people", 10),
        languages=list(spec.get("languages", [])), staffed=spec.get("staffed", False),
        self_managed=spec.get("self_managed", False), min_minutes=lo, max_minutes=hi,
        meetings_per_week=spec.get("meetings_per_week", 1), frequency=frequency,
        month_weeks=month_weeks, allowed_windows=[plain(w, False) for w in allowed],
        preferred_windows=[plain(w, True) for w in preferred],
        room_ids=list(dict.fromkeys(spec.get("room_ids", []))),
        features=sorted(set(spec.get("features", []))), note=spec.get("note", ""))


def _window(w: Mapping[str, Any], number: int) -> dict[str, Any]:
    start, end = _minutes(w["start"]), _minutes(w["end"])
    if not 0 <= w["day"] <= 6 or not 0 <= start < end <= 24 * 60:
        raise InvalidInput("section_window", section=number)
    return {**w, "start_m": start, "end_m": end}


def submit_application(session: Session, actor: Actor, term_id: int,
                       spec: Mapping[str, Any], now: datetime) -> Application:
    term = get_term(session, actor, term_id)
    group_id = spec.get("group_id")
    applicant_id = _check_applicant(session, actor, term, group_id, now)
    sections = _sections(session, term.centre_id, spec["sections"])
    application = Application(
        term_id=term.id, group_id=group_id, applicant_id=applicant_id, status="submitted",
        non_profit=spec.get("non_profit", False), from_district=spec.get("from_district", False),
        note=spec.get("note", ""), created_at=now, updated_at=now, sections=sections)
    session.add(application)
    session.flush()
    record(session, now, applicant_id, "term_application", application.id, "submitted",
           term=term.id, sections=len(sections))
    return application


def _visible_application(session: Session, actor: Actor, application_id: int,
                         lock: bool = False) -> tuple[Application, Term]:
    """The application, for its applicant, the group's contacts and the centre's staff; a
    404 for everyone else, so nobody learns who applied."""
    person_id = require_login(actor)
    application = session.get(Application, application_id, with_for_update=lock)
    term = session.get(Term, application.term_id) if application else None
    if application is None or term is None:
        raise NotFound("no_application", nr=application_id)
    if actor.is_staff_of(term.centre_id) or application.applicant_id == person_id or (
            application.group_id is not None
            and _is_contact(session, person_id, application.group_id)):
        return application, term
    raise NotFound("no_application", nr=application_id)


def get_application(session: Session, actor: Actor, application_id: int) -> Application:
    return _visible_application(session, actor, application_id)[0]


def change_application(session: Session, actor: Actor, application_id: int,
                       spec: Mapping[str, Any], now: datetime) -> Application:
    """Replace the sections and facts while the round is open (staff: or being allocated)."""
    application, term = _visible_application(session, actor, application_id, lock=True)
    if application.status == "withdrawn":
        raise Conflict("application_withdrawn")
    person_id = _check_applicant(session, actor, term, application.group_id, now)
    application.sections = _sections(session, term.centre_id, spec["sections"])
    application.non_profit = spec.get("non_profit", application.non_profit)
    application.from_district = spec.get("from_district", application.from_district)
    application.note = spec.get("note", application.note)
    application.updated_at = now
    session.flush()
    record(session, now, person_id, "term_application", application.id, "changed",
           sections=len(application.sections))
    return application


def withdraw_application(session: Session, actor: Actor, application_id: int,
                         now: datetime) -> Application:
    """Any time, even after publishing: the planner never allocates a withdrawn application
    (tilavarauspalvelu PR #164 allocated withdrawn ones)."""
    application, _ = _visible_application(session, actor, application_id, lock=True)
    if application.status != "withdrawn":
        application.status = "withdrawn"
        application.updated_at = now
        record(session, now, actor.person_id, "term_application", application.id, "withdrawn")
    return application


def reject_section(session: Session, actor: Actor, section_id: int, reason: str,
                   now: datetime) -> ApplicationSection:
    section = session.get(ApplicationSection, section_id, with_for_update=True)
    application = session.get(Application, section.application_id) if section else None
    term = session.get(Term, application.term_id) if application else None
    if section is None or term is None:
        raise NotFound("no_section", nr=section_id)
    staff_id = require_staff(actor, term.centre_id)
    if term.status not in EDITABLE_BY_STAFF:
        raise Conflict("term_not_open", current=_status(term.status))
    if not reason.strip():
        raise InvalidInput("reason_needed")
    section.status, section.reason = "rejected", reason.strip()
    record(session, now, staff_id, "term_section", section.id, "rejected", reason=reason)
    return section


def my_applications(session: Session, actor: Actor) -> Sequence[Application]:
    """What the person applied for, and what their groups applied for."""
    person_id = require_login(actor)
    mine = or_(Application.applicant_id == person_id,
               Application.group_id.in_(select(group_contact.c.group_id)
                                        .where(group_contact.c.person_id == person_id)))
    return session.scalars(select(Application).where(mine)
                           .order_by(Application.created_at.desc(), Application.id)).all()


def term_applications(session: Session, actor: Actor, term_id: int) -> Sequence[Application]:
    term = get_term(session, actor, term_id)
    require_staff(actor, term.centre_id)
    return session.scalars(select(Application).where(Application.term_id == term.id)
                           .order_by(Application.id)).all()


# ------------------------------------------------------------------ for the applicants' pages


def applicant_groups(session: Session, actor: Actor, centre_id: int) -> Sequence[Group]:
    """The groups of the centre the person may apply for: all of them for its staff, else
    those whose contact the person is."""
    person_id = require_login(actor)
    query = select(Group).where(Group.centre_id == centre_id).order_by(Group.name, Group.id)
    if not actor.is_staff_of(centre_id):
        query = query.where(Group.id.in_(select(group_contact.c.group_id)
                                         .where(group_contact.c.person_id == person_id)))
    return session.scalars(query).all()


def open_rounds(session: Session, actor: Actor, now: datetime) -> Sequence[Term]:
    """The open terms whose application period runs, of the centres where the person is a
    group's contact."""
    person_id = require_login(actor)
    centres = select(Group.centre_id).where(Group.id.in_(
        select(group_contact.c.group_id).where(group_contact.c.person_id == person_id)))
    return session.scalars(select(Term).where(
        Term.status == "open", Term.applications_from <= now, Term.applications_until > now,
        Term.centre_id.in_(centres)).order_by(Term.starts_on, Term.id)).all()


def require_group_contact(session: Session, actor: Actor, term: Term,
                          group_id: int | None) -> None:
    """Applying for a group of the term's centre: a 403 for someone who is neither its
    contact nor the centre's staff (a group of another centre stays a 404)."""
    person_id = require_login(actor)
    if actor.is_staff_of(term.centre_id):
        return
    if group_id is None:
        raise Forbidden("not_group_contact")
    group = session.get(Group, group_id)
    if group is None or group.centre_id != term.centre_id:
        raise NotFound("no_group", id=group_id)
    if not _is_contact(session, person_id, group_id):
        raise Forbidden("not_group_contact")


def application_for(session: Session, actor: Actor, application_id: int) -> Application:
    """The application for its pages: a 403 for a logged-in person who may not see it (not
    its applicant, not the group's contact, not the centre's staff), a 404 if there is none."""
    try:
        return get_application(session, actor, application_id)
    except NotFound:
        if session.get(Application, application_id) is not None:
            raise Forbidden("application_not_yours") from None
        raise
