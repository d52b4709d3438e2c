"""Staff pages for a centre's offers (Angebote) and groups with their contact persons:
create and edit. Writes go through :mod:`booking.services.catalogue`, the functions the API
calls, with their permission rules; a group's contacts can only be persons connected to the
staff member's centre (``catalogue.visible_to``, the rule of the API)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy.orm import Session

from booking.deps import discard
from booking.errors import DomainError
from booking.messages import Message
from booking.models import Centre, Group, GroupKind, Offer, Person, Theme
from booking.models.base import max_length
from booking.services import catalogue
from booking.translations import N_
from booking.web import workspace
from booking.web.common import FormData, PageController, PageId, Viewer, redirect, render
from booking.web.doors import chosen_ids
from booking.web.forms import check_csrf, field_value
from booking.web.forms import parse_positive_int as parse_id
from booking.web.maintenance import GROUP_KIND_WORDS, THEME_WORDS
from booking.web.staff import require_staff_viewer

TEXT_LENGTH = 4000
LIST_ITEM_LENGTH = 100
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
PROGRAMME = "/verwaltung/programm"


def _items(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


@dataclass
class OfferForm:
    values: dict[str, Any]
    errors: dict[str, str | Message] = field(default_factory=dict)
    parsed: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, offer: Offer | None) -> OfferForm:
        if offer is None:
            return cls(values={"titel": "", "beschreibung": "", "thema": "", "zielgruppen": "",
                               "sprachen": "de", "gruppe": "", "oeffentlich": True,
                               "eigenregie": False, "sprechstunde": False,
                               "ohne_anmeldung": True})
        return cls(values={
            "titel": offer.title, "beschreibung": offer.description, "thema": offer.theme,
            "zielgruppen": ", ".join(offer.target_groups or []),
            "sprachen": ", ".join(offer.languages or []),
            "gruppe": str(offer.group_id or ""), "oeffentlich": offer.public,
            "eigenregie": offer.self_managed, "sprechstunde": offer.consultation,
            "ohne_anmeldung": offer.drop_in})

    @classmethod
    def read(cls, data: dict[str, Any], groups: list[Group]) -> OfferForm:
        v: dict[str, Any] = {n: field_value(data, n, max_length=400)
                             for n in ("titel", "thema", "zielgruppen", "sprachen", "gruppe")}
        v["beschreibung"] = field_value(data, "beschreibung", text_area=True,
                                        max_length=TEXT_LENGTH)
        for flag in ("oeffentlich", "eigenregie", "sprechstunde", "ohne_anmeldung"):
            v[flag] = bool(data.get(flag))
        form = cls(values=v)
        e, p = form.errors, form.parsed
        if not v["titel"]:
            e["titel"] = N_("Bitte einen Titel angeben.")
        elif len(v["titel"]) > max_length(Offer.title):
            e["titel"] = N_("Der Titel ist zu lang.")
        else:
            p["title"] = v["titel"]
        if v["thema"] not in {str(t) for t in Theme}:
            e["thema"] = N_("Bitte ein Thema aus der Liste wählen.")
        else:
            p["theme"] = v["thema"]
        targets = _items(v["zielgruppen"])
        if len(targets) > 20 or any(len(t) > LIST_ITEM_LENGTH for t in targets):
            e["zielgruppen"] = N_("Höchstens 20 Zielgruppen mit je höchstens 100 Zeichen.")
        else:
            p["target_groups"] = targets
        languages = [t.lower() for t in _items(v["sprachen"])]
        if len(languages) > 20 or not all(_LANGUAGE.match(t) for t in languages):
            e["sprachen"] = N_("Bitte Sprachkürzel wie de, en, tr mit Komma getrennt angeben.")
        else:
            p["languages"] = languages
        group_id = parse_id(v["gruppe"]) if v["gruppe"] else None
        if v["gruppe"] and group_id not in {g.id for g in groups}:
            e["gruppe"] = N_("Bitte eine Gruppe aus der Liste wählen.")
        else:
            p["group_id"] = group_id
        p.update(description=v["beschreibung"], public=v["oeffentlich"],
                 self_managed=v["eigenregie"], consultation=v["sprechstunde"],
                 drop_in=v["ohne_anmeldung"])
        return form


@dataclass
class GroupForm:
    values: dict[str, Any]
    errors: dict[str, str | Message] = field(default_factory=dict)

    @classmethod
    def of(cls, group: Group | None) -> GroupForm:
        if group is None:
            return cls(values={"name": "", "art": "", "beschreibung": "", "kontakte": []})
        return cls(values={"name": group.name, "art": group.kind,
                           "beschreibung": group.description,
                           "kontakte": [p.id for p in group.contacts]})

    @classmethod
    def read(cls, data: dict[str, Any]) -> GroupForm:
        contacts = chosen_ids(data, "kontakte", limit=20)
        form = cls(values={
            "name": field_value(data, "name", max_length=400),
            "art": field_value(data, "art", max_length=40),
            "beschreibung": field_value(data, "beschreibung", text_area=True,
                                        max_length=TEXT_LENGTH),
            "kontakte": contacts or []})
        v, e = form.values, form.errors
        if not v["name"]:
            e["name"] = N_("Bitte einen Namen angeben.")
        elif len(v["name"]) > max_length(Group.name):
            e["name"] = N_("Der Name ist zu lang.")
        if v["art"] not in {str(k) for k in GroupKind}:
            e["art"] = N_("Bitte eine Art aus der Liste wählen.")
        if contacts is None:
            e["kontakte"] = N_("Bitte höchstens 20 Personen aus der Liste wählen.")
        return form


def _themes(viewer: Viewer) -> list[tuple[str, str]]:
    return [(str(t), viewer.gettext(THEME_WORDS[str(t)])) for t in Theme]


def _kinds(viewer: Viewer) -> list[tuple[str, str]]:
    return [(str(k), viewer.gettext(GROUP_KIND_WORDS[str(k)])) for k in GroupKind]


class OfferPages(PageController):
    path = "/verwaltung"

    # --- offers ------------------------------------------------------------------------------

    def _offer(self, request: Request[Any, Any, Any], viewer: Viewer, session: Session,
               centre: Centre, offer: Offer | None, form: OfferForm, *, status: int = 200,
               error: str | Message | None = None) -> Template:
        actor = require_staff_viewer(viewer)
        groups = catalogue.list_groups(session, actor, centre.id)
        return render(request, viewer, "staff_offer_edit.html", status=status,
                      nav="verwaltung", centre=centre, offer=offer, groups=groups,
                      themes=_themes(viewer), form=form.values, errors=form.errors,
                      error=error)

    @get("/angebote/neu", sync_to_thread=True)
    def new_offer(self, request: Request[Any, Any, Any], read_db: Session,
                  viewer: Viewer) -> Template:
        actor = require_staff_viewer(viewer)
        centre = workspace.current_centre(request, read_db, actor)
        return self._offer(request, viewer, read_db, centre, None, OfferForm.of(None))

    @post("/angebote/neu", sync_to_thread=True)
    def create_offer(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                     viewer: Viewer, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre = workspace.current_centre(request, db, actor)
        form = OfferForm.read(data, list(catalogue.list_groups(db, actor, centre.id)))
        if form.errors:
            return self._offer(request, viewer, db, centre, None, form, status=400)
        try:
            offer = catalogue.create_offer(db, actor, centre.id, dict(form.parsed), now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            return self._offer(request, viewer, db, centre, None, form,
                               status=exc.status_code, error=exc.message)
        return redirect(PROGRAMME, angebot=offer.id)

    @get("/angebote/{offer_id:int}", sync_to_thread=True)
    def edit_offer(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
                   offer_id: PageId) -> Template:
        actor = require_staff_viewer(viewer)
        offer = catalogue.offer_for_staff(read_db, actor, offer_id)
        centre = catalogue.get_centre(read_db, offer.centre_id)
        return self._offer(request, viewer, read_db, centre, offer, OfferForm.of(offer))

    @post("/angebote/{offer_id:int}", sync_to_thread=True)
    def save_offer(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                   viewer: Viewer, offer_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        offer = catalogue.offer_for_staff(db, actor, offer_id)
        centre = catalogue.get_centre(db, offer.centre_id)
        form = OfferForm.read(data, list(catalogue.list_groups(db, actor, centre.id)))
        if form.errors:
            return self._offer(request, viewer, db, centre, offer, form, status=400)
        try:
            catalogue.update_offer_details(db, actor, offer_id, dict(form.parsed), now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            return self._offer(request, viewer, db, centre,
                               catalogue.offer_for_staff(db, actor, offer_id), form,
                               status=exc.status_code, error=exc.message)
        return redirect(PROGRAMME, angebot=offer_id)

    # --- groups ------------------------------------------------------------------------------

    def _group(self, request: Request[Any, Any, Any], viewer: Viewer, session: Session,
               centre: Centre, group: Group | None, form: GroupForm, *, status: int = 200,
               error: str | Message | None = None) -> Template:
        actor = require_staff_viewer(viewer)
        people: list[Person] = list(catalogue.contact_candidates(session, actor, centre.id))
        known = {p.id for p in people}
        # A contact already on the group stays listed (and can be removed) even if no longer
        # connected to the centre otherwise.
        people += [p for p in (group.contacts if group else []) if p.id not in known]
        return render(request, viewer, "staff_group_edit.html", status=status,
                      nav="verwaltung", centre=centre, group=group, people=people,
                      kinds=_kinds(viewer), form=form.values, errors=form.errors, error=error)

    @get("/gruppen/neu", sync_to_thread=True)
    def new_group(self, request: Request[Any, Any, Any], read_db: Session,
                  viewer: Viewer) -> Template:
        actor = require_staff_viewer(viewer)
        centre = workspace.current_centre(request, read_db, actor)
        return self._group(request, viewer, read_db, centre, None, GroupForm.of(None))

    @post("/gruppen/neu", sync_to_thread=True)
    def create_group(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                     viewer: Viewer, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre = workspace.current_centre(request, db, actor)
        form = GroupForm.read(data)
        if form.errors:
            return self._group(request, viewer, db, centre, None, form, status=400)
        v = form.values
        try:
            group = catalogue.create_group(db, actor, centre.id, name=v["name"], kind=v["art"],
                                           description=v["beschreibung"],
                                           contact_ids=v["kontakte"], now=now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            form.errors["kontakte"] = exc.message
            return self._group(request, viewer, db, centre, None, form, status=400)
        return redirect(PROGRAMME, gruppe=group.id)

    @get("/gruppen/{group_id:int}", sync_to_thread=True)
    def edit_group(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
                   group_id: PageId) -> Template:
        actor = require_staff_viewer(viewer)
        group = catalogue.get_group(read_db, actor, group_id)
        centre = catalogue.get_centre(read_db, group.centre_id)
        return self._group(request, viewer, read_db, centre, group, GroupForm.of(group))

    @post("/gruppen/{group_id:int}", sync_to_thread=True)
    def save_group(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                   viewer: Viewer, group_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        group = catalogue.get_group(db, actor, group_id)
        centre = catalogue.get_centre(db, group.centre_id)
        form = GroupForm.read(data)
        if form.errors:
            return self._group(request, viewer, db, centre, group, form, status=400)
        v = form.values
        try:
            catalogue.update_group(db, actor, group_id, name=v["name"], kind=v["art"],
                                   description=v["beschreibung"], contact_ids=v["kontakte"],
                                   now=now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            form.errors["kontakte"] = exc.message
            return self._group(request, viewer, db, centre,
                               catalogue.get_group(db, actor, group_id), form, status=400)
        return redirect(PROGRAMME, gruppe=group_id)
