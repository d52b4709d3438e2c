"""API: terms, their application round, priority classes and applications (issue 11)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, patch, post, put
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.api import schemas as s
from booking.api.term_runs import SectionResultOut, room_names, section_out
from booking.models import Application, ApplicationSection, PriorityClass, Term
from booking.models.base import max_length
from booking.permissions import Actor
from booking.services import term_runs, terms
from booking.services.term_runs import SectionResult
from booking.translations import negotiate, pick_language

TermName = Annotated[str, s._line(max_length(Term.name), 1)]
ClassName = Annotated[str, s._line(max_length(PriorityClass.name), 1)]
SectionTitle = Annotated[str, s._line(max_length(ApplicationSection.title), 1)]
HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-4]):[0-5][0-9]$", max_length=5)]
Day = Annotated[int, msgspec.Meta(ge=0, le=6)]
Words = Annotated[list[s.ListItem], msgspec.Meta(max_length=20)]
TermStatus = Literal["draft", "open", "allocating", "published", "closed"]


class Window(msgspec.Struct, forbid_unknown_fields=True):
    """A weekly time window in the centre's local time (day 0 = Monday)."""

    day: Day
    start: HHMM
    end: HHMM


class PreferredWindow(Window, forbid_unknown_fields=True):
    rank: Annotated[int, msgspec.Meta(ge=1, le=2)] = 1  # 1 primary, 2 secondary


class TermIn(msgspec.Struct, forbid_unknown_fields=True):
    name: TermName
    starts_on: date
    ends_on: date
    applications_from: s.Instant
    applications_until: s.Instant
    criteria: s.Text = ""


class TermChange(msgspec.Struct, forbid_unknown_fields=True):
    name: TermName | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    applications_from: s.Instant | None = None
    applications_until: s.Instant | None = None
    criteria: s.Text | None = None
    status: TermStatus | None = None


class TermOut(msgspec.Struct):
    id: int
    centre_id: int
    name: str
    starts_on: date
    ends_on: date
    applications_from: str
    applications_until: str
    criteria: str
    status: str


class Conditions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Every given condition must hold for a section to be in the class."""

    own_programme: bool | None = None
    non_profit: bool | None = None
    from_district: bool | None = None
    target_groups_any: Words | None = None
    age_groups_any: Words | None = None
    themes_any: Words | None = None


class PriorityClassIn(msgspec.Struct, forbid_unknown_fields=True):
    name: ClassName
    conditions: Conditions = msgspec.field(default_factory=Conditions)


class PriorityClassOut(msgspec.Struct):
    rank: int
    name: str
    conditions: dict[str, Any]


class SectionIn(msgspec.Struct, forbid_unknown_fields=True):
    title: SectionTitle
    min_minutes: Annotated[int, msgspec.Meta(ge=15, le=720)]
    max_minutes: Annotated[int, msgspec.Meta(ge=15, le=720)]
    allowed_windows: Annotated[list[Window], msgspec.Meta(min_length=1, max_length=21)]
    preferred_windows: Annotated[list[PreferredWindow], msgspec.Meta(max_length=21)] = []
    offer_id: s.IdField | None = None
    theme: s.ListItem = "other"
    target_groups: Words = []
    age_groups: Words = []
    expected_people: s.People = 10
    languages: Words = []
    staffed: bool = False
    self_managed: bool = False
    meetings_per_week: Annotated[int, msgspec.Meta(ge=1, le=3)] = 1
    frequency: Literal["weekly", "fortnightly", "monthly"] = "weekly"
    month_weeks: Annotated[list[Annotated[int, msgspec.Meta(ge=-1, le=4)]],
                           msgspec.Meta(max_length=5)] = []
    room_ids: Annotated[list[s.IdField], msgspec.Meta(max_length=20)] = []
    features: Words = []
    note: s.Text = ""


class SectionOut(msgspec.Struct):
    id: int
    title: str
    theme: str
    target_groups: list[str]
    age_groups: list[str]
    expected_people: int
    languages: list[str]
    staffed: bool
    self_managed: bool
    min_minutes: int
    max_minutes: int
    meetings_per_week: int
    frequency: str
    month_weeks: list[int]
    allowed_windows: list[dict[str, Any]]
    preferred_windows: list[dict[str, Any]]
    room_ids: list[int]
    features: list[str]
    note: str
    status: str
    reason: str
    priority_class: int | None
    # Once the term is published: the slot, its dates and skipped dates with their reasons,
    # or the refusal's reason, in the reader's language (naming no other applicant).
    result: SectionResultOut | None = None


class ApplicationIn(msgspec.Struct, forbid_unknown_fields=True):
    sections: Annotated[list[SectionIn], msgspec.Meta(min_length=1, max_length=10)]
    group_id: s.IdField | None = None  # none: the centre's own programme (staff only)
    non_profit: bool = False
    from_district: bool = False
    note: s.Text = ""


class ApplicationChange(msgspec.Struct, forbid_unknown_fields=True):
    sections: Annotated[list[SectionIn], msgspec.Meta(min_length=1, max_length=10)]
    non_profit: bool | None = None
    from_district: bool | None = None
    note: s.Text | None = None


class ApplicationOut(msgspec.Struct):
    id: int
    term_id: int
    group_id: int | None
    status: str
    non_profit: bool
    from_district: bool
    note: str
    created_at: str
    updated_at: str
    sections: list[SectionOut]


class RejectIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: s.Reason


def term_out(term: Term) -> TermOut:
    return TermOut(id=term.id, centre_id=term.centre_id, name=term.name,
                   starts_on=term.starts_on, ends_on=term.ends_on,
                   applications_from=term.applications_from.isoformat(),
                   applications_until=term.applications_until.isoformat(),
                   criteria=term.criteria, status=term.status)


def class_out(row: PriorityClass) -> PriorityClassOut:
    return PriorityClassOut(rank=row.rank, name=row.name, conditions=row.conditions)


def application_out(application: Application, classes: list[PriorityClass],
                    results: dict[int, SectionResult] | None = None,
                    lang: str = "de", rooms: dict[int, str] | None = None) -> ApplicationOut:
    def section(x: ApplicationSection) -> SectionOut:
        cls = terms.class_of(x, application, classes)
        found = (results or {}).get(x.id)
        return SectionOut(
            id=x.id, title=x.title, theme=x.theme, target_groups=x.target_groups,
            age_groups=x.age_groups, expected_people=x.expected_people, languages=x.languages,
            staffed=x.staffed, self_managed=x.self_managed, min_minutes=x.min_minutes,
            max_minutes=x.max_minutes, meetings_per_week=x.meetings_per_week,
            frequency=x.frequency, month_weeks=x.month_weeks,
            allowed_windows=x.allowed_windows, preferred_windows=x.preferred_windows,
            room_ids=x.room_ids, features=x.features, note=x.note, status=x.status,
            reason=x.reason, priority_class=cls.rank if cls else None,
            result=section_out(found, rooms or {}, lang, staff=False) if found else None)

    return ApplicationOut(
        id=application.id, term_id=application.term_id, group_id=application.group_id,
        status=application.status, non_profit=application.non_profit,
        from_district=application.from_district, note=application.note,
        created_at=application.created_at.isoformat(),
        updated_at=application.updated_at.isoformat(),
        sections=[section(x) for x in application.sections])


def _published(db: Any, application: Application, actor: Actor,
               request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What the applicant sees of the published allocation, in their language: the one
    asked for in the request, else the one of their account."""
    lang = pick_language(negotiate(request.headers.get("accept-language")), actor.language)
    return {"results": term_runs.published_results(db, application.term_id), "lang": lang,
            "rooms": room_names(db, application.term_id)}


def _classes(db: Any, application: Application) -> list[PriorityClass]:
    centre_id = db.scalar(select(Term.centre_id).where(Term.id == application.term_id))
    return list(terms.list_priority_classes(db, centre_id))


class TermController(Controller):
    path = "/api"
    tags = ["terms"]

    @get("/centres/{centre_id:int}/terms", sync_to_thread=True)
    def list_terms(self, read_db: Session, actor: Actor, centre_id: s.Id) -> list[TermOut]:
        """The centre's terms: from ``open`` on for everyone, drafts for its staff."""
        return [term_out(t) for t in terms.list_terms(read_db, actor, centre_id)]

    @post("/centres/{centre_id:int}/terms", sync_to_thread=True)
    def create_term(self, db: Session, now: datetime, actor: Actor, centre_id: s.Id,
                    data: TermIn) -> TermOut:
        """Staff: a new term in draft, with its application period and criteria."""
        return term_out(terms.create_term(
            db, actor, centre_id, name=data.name, starts_on=data.starts_on,
            ends_on=data.ends_on, applications_from=data.applications_from,
            applications_until=data.applications_until, criteria=data.criteria, now=now))

    @get("/terms/{term_id:int}", sync_to_thread=True)
    def get_term(self, read_db: Session, actor: Actor, term_id: s.Id) -> TermOut:
        return term_out(terms.get_term(read_db, actor, term_id))

    @patch("/terms/{term_id:int}", sync_to_thread=True)
    def change_term(self, db: Session, now: datetime, actor: Actor, term_id: s.Id,
                    data: TermChange) -> TermOut:
        """Staff: change the details (draft, open) or move the status along
        draft → open → allocating (and back one step); publishing is the plan's."""
        return term_out(terms.update_term(db, actor, term_id,
                                          msgspec.structs.asdict(data), now))

    @get("/centres/{centre_id:int}/priority-classes", sync_to_thread=True)
    def list_classes(self, read_db: Session, centre_id: s.Id) -> list[PriorityClassOut]:
        """The centre's ordered priority classes, published with the allocation criteria."""
        return [class_out(c) for c in terms.list_priority_classes(read_db, centre_id)]

    @put("/centres/{centre_id:int}/priority-classes", sync_to_thread=True)
    def set_classes(self, db: Session, now: datetime, actor: Actor, centre_id: s.Id,
                    data: Annotated[list[PriorityClassIn], msgspec.Meta(max_length=20)],
                    ) -> list[PriorityClassOut]:
        """Staff: replace the ordered classes; the last one takes everyone."""
        classes = [{"name": c.name, "conditions": msgspec.to_builtins(c.conditions)}
                   for c in data]
        return [class_out(c) for c in terms.set_priority_classes(
            db, actor, centre_id, classes, now)]

    @get("/terms/{term_id:int}/applications", sync_to_thread=True)
    def list_applications(self, read_db: Session, actor: Actor,
                          term_id: s.Id) -> list[ApplicationOut]:
        """Staff: every application of the round."""
        found = terms.term_applications(read_db, actor, term_id)
        classes = _classes(read_db, found[0]) if found else []
        return [application_out(a, classes) for a in found]

    @post("/terms/{term_id:int}/applications", sync_to_thread=True)
    def apply(self, db: Session, now: datetime, actor: Actor, term_id: s.Id,
              data: ApplicationIn) -> ApplicationOut:
        """A group's contact applies for the group (in the application period); staff for a
        group or the centre's own programme."""
        application = terms.submit_application(db, actor, term_id,
                                               msgspec.to_builtins(data), now)
        return application_out(application, _classes(db, application))

    @get("/applications/mine", sync_to_thread=True)
    def mine(self, read_db: Session, actor: Actor,
             request: Request[Any, Any, Any]) -> list[ApplicationOut]:
        """The person's and their groups' applications; once a term is published, each
        section's slot and dates or its refusal's reason."""
        return [application_out(a, _classes(read_db, a),
                                **_published(read_db, a, actor, request))
                for a in terms.my_applications(read_db, actor)]

    @get("/applications/{application_id:int}", sync_to_thread=True)
    def get_application(self, read_db: Session, actor: Actor, request: Request[Any, Any, Any],
                        application_id: s.Id) -> ApplicationOut:
        """An application; once its term is published, each section's result."""
        application = terms.get_application(read_db, actor, application_id)
        return application_out(application, _classes(read_db, application),
                               **_published(read_db, application, actor, request))

    @put("/applications/{application_id:int}", sync_to_thread=True)
    def change_application(self, db: Session, now: datetime, actor: Actor,
                           application_id: s.Id,
                           data: ApplicationChange) -> ApplicationOut:
        """Replace the sections while the round is open."""
        spec = {k: v for k, v in msgspec.to_builtins(data).items() if v is not None}
        application = terms.change_application(db, actor, application_id, spec, now)
        return application_out(application, _classes(db, application))

    @post("/applications/{application_id:int}/withdraw", sync_to_thread=True)
    def withdraw(self, db: Session, now: datetime, actor: Actor,
                 application_id: s.Id) -> ApplicationOut:
        """Withdraw, any time: a withdrawn application is never allocated."""
        application = terms.withdraw_application(db, actor, application_id, now)
        return application_out(application, _classes(db, application))

    @post("/sections/{section_id:int}/reject", sync_to_thread=True)
    def reject(self, db: Session, now: datetime, actor: Actor, section_id: s.Id,
               data: RejectIn) -> SectionOut:
        """Staff: reject one section with a reason the applicant reads."""
        section = terms.reject_section(db, actor, section_id, data.reason, now)
        application = section.application
        out = application_out(application, _classes(db, application))
        return next(x for x in out.sections if x.id == section.id)
