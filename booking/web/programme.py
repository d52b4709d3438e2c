"""The public programme page (``/programm``): a week of the centres' public offers, with
filters by centre, theme, target group, language and day, the previous and next week, and a
print version for A4 (``?druck=1``; the print stylesheet serves the ordinary page as well).
No person appears: the programme shows offers, rooms and times, never who booked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Template

from booking import formatting
from booking.api.deps import Services
from booking.errors import InvalidInput
from booking.models import Offer
from booking.services import catalogue, feeds, programme
from booking.timeutil import (
    DEFAULT_ZONE,
    in_horizon,
    local_date,
    local_to_utc,
)
from booking.translations import N_, gettext_for
from booking.web.common import PageController, Viewer, render
from booking.web.forms import iso_week, parse_date, parse_iso_week
from booking.web.forms import parse_positive_int as parse_count
from booking.web.views import Localized, localized_list

# Themes of the Profil (booking.models.Theme) → German msgids.
THEME_WORDS = {
    "family": N_("Familie"),
    "education_general": N_("Allgemeine Bildung"),
    "education_political": N_("Politische Bildung"),
    "welcome_culture": N_("Willkommenskultur"),
    "counselling": N_("Beratung"),
    "inclusion": N_("Inklusion"),
    "sustainability": N_("Nachhaltigkeit"),
    "self_help": N_("Selbsthilfe"),
    "health_prevention": N_("Gesundheit und Prävention"),
    "sport": N_("Sport"),
    "art": N_("Kunst"),
    "culture": N_("Kultur"),
    "other": N_("Begegnung"),
}


def language_name(code: str, lang: str) -> str:
    """``tr`` as the page's language calls it (CLDR): "Türkisch", "Turkish", "Türkçe"."""
    return str(formatting.locale(lang).languages.get(code, code))


@dataclass(frozen=True)
class EventView:
    time: str
    title: Localized
    description: Localized
    room: str
    room_id: int
    centre: str
    theme: str
    target_groups: list[Localized]
    languages: list[str]
    barrier_free: bool
    drop_in: bool


@dataclass
class ProgrammeDay:
    day: date
    label: str
    events: list[EventView] = field(default_factory=list)


def _target_group_choices(offers: list[Offer], lang: str) -> list[tuple[str, Localized]]:
    """Each German target group once, shown in the page's language where an offer translates
    it."""
    shown: dict[str, Localized] = {}
    for offer in offers:
        for key, text in localized_list(offer, "target_groups", lang):
            if key not in shown or (shown[key].lang and not text.lang):
                shown[key] = text
    return sorted(shown.items(), key=lambda item: item[1].text.casefold())


class ProgrammePages(PageController):
    path = "/"

    @get("/programm", sync_to_thread=True)
    def programme(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                  woche: str | None = None, zentrum: str | None = None,
                  thema: str | None = None, zielgruppe: str | None = None,
                  sprache: str | None = None, tag: str | None = None,
                  druck: str | None = None) -> Template:
        lang = viewer.lang
        _ = gettext_for(lang)
        centre_id = parse_count(zentrum) if zentrum else None
        if zentrum and centre_id is None:
            raise InvalidInput("centre_unknown")
        with svc.read_db() as db:
            centres = {c.id: c for c in catalogue.list_centres(db)}
            if centre_id is not None and centre_id not in centres:
                raise InvalidInput("centre_unknown")
            if centre_id is None and len(centres) == 1:
                centre_id = next(iter(centres))
            zone_name = centres[centre_id].timezone if centre_id else DEFAULT_ZONE
            if woche:
                monday = parse_iso_week(woche)
                if monday is None:
                    raise InvalidInput("week_invalid")
                if not in_horizon(monday):
                    raise InvalidInput("time_horizon")
            else:
                today = local_date(svc.clock.now(), zone_name)
                monday = today - timedelta(days=today.weekday())
            day = parse_date(tag) if tag else None
            if tag and (day is None or not monday <= day < monday + timedelta(days=7)):
                raise InvalidInput("day_not_in_week")
            filters = programme.Filters(theme=thema or None, target_group=zielgruppe or None,
                                        language=sprache or None)
            first, last = (day, day) if day else (monday, monday + timedelta(days=6))
            events = programme.week_events(
                db, start=local_to_utc(first, time(0), zone_name),
                end=local_to_utc(last + timedelta(days=1), time(0), zone_name),
                centre_id=centre_id, filters=filters)
            offers = programme.public_offers(db, centre_id)
            days = [ProgrammeDay(monday + timedelta(days=i),
                                 formatting.weekday_and_day(monday + timedelta(days=i), lang))
                    for i in range(7)]
            for event in events:
                index = (local_date(event.starts_at, zone_name) - monday).days
                if not 0 <= index < 7:
                    continue  # began in the week before
                offer = event.offer
                days[index].events.append(EventView(
                    time=formatting.times(event.starts_at, event.ends_at, zone_name, lang),
                    title=Localized.of(offer, "title", lang),
                    description=Localized.of(offer, "description", lang),
                    room=event.room.name, room_id=event.room.id,
                    centre=centres[event.room.centre_id].name,
                    theme=_(THEME_WORDS.get(offer.theme, offer.theme)),
                    target_groups=[t for _k, t in localized_list(offer, "target_groups", lang)],
                    languages=[language_name(code, lang) for code in offer.languages or []],
                    barrier_free="barrier_free" in event.room.features,
                    drop_in=offer.drop_in))
            choices = {
                "themes": sorted(((t, _(THEME_WORDS.get(t, t)))
                                  for t in {o.theme for o in offers}), key=lambda c: c[1]),
                "target_groups": _target_group_choices(offers, lang),
                "languages": sorted(((code, language_name(code, lang)) for code in
                                     {c for o in offers for c in (o.languages or [])}),
                                    key=lambda c: c[1]),
                "days": [(d.day.isoformat(), d.label) for d in days],
            }
        shown_days = [d for d in days if d.events] if (day or thema or zielgruppe or sprache) \
            else days
        if day:
            shown_days = [d for d in days if d.day == day]
        selected = {"zentrum": centre_id, "thema": thema or "", "zielgruppe": zielgruppe or "",
                    "sprache": sprache or "", "tag": day.isoformat() if day else ""}
        keep = {k: v for k, v in selected.items() if v and k != "tag"}

        def week_url(target: date, **extra: str) -> str:
            return "/programm?" + urlencode({**keep, "woche": iso_week(target), **extra})

        week = {"name": iso_week(monday), "label": formatting.iso_week(monday, lang),
                "from": formatting.day(monday, lang),
                "to": formatting.day(monday + timedelta(days=6), lang),
                "prev": week_url(monday - timedelta(days=7)),
                "next": week_url(monday + timedelta(days=7)),
                "screen": week_url(monday, **({"tag": day.isoformat()} if day else {})),
                "print": week_url(monday, **({"tag": day.isoformat()} if day else {}),
                                  druck="1")}
        subscribe = feeds.subscription_links(svc.settings.base_url,
                                             feeds.programme_feed_path(centre_id)) \
            if centre_id else None
        return render(request, viewer, "programme.html", nav="programm", subscribe=subscribe,
                      days=shown_days, count=len(events), week=week, choices=choices,
                      selected=selected, centres=list(centres.values()),
                      centre=centres.get(centre_id) if centre_id else None,
                      print_view=bool(druck), zone=zone_name)
