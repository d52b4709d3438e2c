"""Which centre the staff workspace shows. Staff of several centres (and admins) pick one in
the subnav; the choice is kept in a cookie (``?zentrum=N`` on a page wins, so a link can name
the centre), and checked against the person's roles on every request: a stale or foreign
choice falls back to the person's first centre. Staff of one centre see no picker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, post
from sqlalchemy.orm import Session

from booking.deps import services
from booking.errors import DomainError, Forbidden
from booking.models import Centre, Role
from booking.permissions import Actor
from booking.services import desk, plan_view
from booking.web.common import FormData, PageController, Viewer, make_cookie, redirect, safe_next
from booking.web.forms import check_csrf, field_value
from booking.web.forms import parse_positive_int as parse_id

CENTRE_COOKIE = "raumplan_zentrum"


def current_centre(request: Request[Any, Any, Any], session: Session, actor: Actor) -> Centre:
    """The centre the workspace shows: the one named by ``?zentrum=`` (403 if the person is
    not staff there), else the one chosen in the picker if they still are, else their first
    (``plan_view.staff_centre``; raises if they are staff of none)."""
    named = request.query_params.get("zentrum")
    wanted = parse_id(named[:12]) if named else None
    if named and (wanted is None or not actor.is_staff_of(wanted)):
        raise Forbidden("not_staff")
    if wanted is None:
        kept = request.cookies.get(CENTRE_COOKIE) or ""
        wanted = parse_id(kept[:12]) if kept else None
    if wanted is not None and actor.is_staff_of(wanted):
        centre = session.get(Centre, wanted)
        if centre is not None:
            return centre
    return plan_view.staff_centre(session, actor)


def scoped_actor(request: Request[Any, Any, Any], session: Session, actor: Actor) -> Actor:
    """For the workspace's overviews (dashboard, inbox): someone on several teams (or an
    admin) reads as staff of the chosen centre only. Only for reading: writes keep the
    person's own roles."""
    mine = actor.staff_centres
    if mine is not None and len(mine) < 2:
        return actor
    try:
        centre = current_centre(request, session, actor)
    except DomainError:
        return actor
    return Actor(person_id=actor.person_id, roles=frozenset({(str(Role.STAFF), centre.id)}),
                 language=actor.language)


@dataclass(frozen=True)
class Picker:
    options: list[tuple[int, str]]
    current: int
    back: str


def picker(request: Request[Any, Any, Any], actor: Actor) -> Picker | None:
    """The subnav's centre picker, or None for someone with one centre (or none)."""
    mine = actor.staff_centres
    if not actor.is_any_staff or (mine is not None and len(mine) < 2):
        return None  # no database read for the common case: staff of one centre
    with services(request).read_db() as db:
        centres = desk.desk_centres(db, actor)
        if len(centres) < 2:
            return None
        current = current_centre(request, db, actor).id
        options = [(c.id, c.name) for c in centres]
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Picker(options=options, current=current, back=back)


class WorkspacePages(PageController):
    path = "/verwaltung/zentrum"

    @post("/", sync_to_thread=True)
    def choose(self, viewer: Viewer, request: Request[Any, Any, Any],
               data: FormData) -> Response[Any]:
        from booking.web.staff import require_staff_viewer

        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre_id = parse_id(field_value(data, "zentrum", max_length=12))
        back = safe_next(field_value(data, "weiter", max_length=2000)) or "/verwaltung"
        # Drop a ?zentrum= of the page left, so the new choice shows.
        path, _, query = back.partition("?")
        kept = "&".join(p for p in query.split("&") if p and not p.startswith("zentrum="))
        response = redirect(path + (f"?{kept}" if kept else ""))
        if centre_id is not None and actor.is_staff_of(centre_id):
            response.set_cookie(make_cookie(request, CENTRE_COOKIE, str(centre_id),
                                            max_age=365 * 24 * 3600))
        return response
