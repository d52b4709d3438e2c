"""Staff pages: the request inbox, confirm and decline."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from booking.api.deps import Services
from booking.db import transaction
from booking.errors import (
    DomainError,
    Forbidden,
)
from booking.messages import Message
from booking.permissions import Actor
from booking.services import rentals
from booking.translations import N_
from booking.web.common import (
    FormData,
    PageController,
    PageId,
    Viewer,
    redirect,
    render,
    require_viewer,
)
from booking.web.forms import check_csrf, field_value
from booking.web.forms import parse_positive_int as parse_count
from booking.web.views import (
    rental_view,
)

# --- staff pages ---------------------------------------------------------------------------

def require_staff_viewer(viewer: Viewer) -> Actor:
    actor = require_viewer(viewer)
    if not actor.is_any_staff:
        raise Forbidden("not_staff_pages")
    return actor


class StaffPages(PageController):
    path = "/verwaltung"

    @get("/anfragen", sync_to_thread=True)
    def inbox(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              bestaetigt: str | None = None, abgelehnt: str | None = None) -> Template:
        notice = None
        if bestaetigt and parse_count(bestaetigt):
            notice = (N_("Anfrage Nr. %(nr)s wurde bestätigt."), parse_count(bestaetigt))
        elif abgelehnt and parse_count(abgelehnt):
            notice = (N_("Anfrage Nr. %(nr)s wurde abgelehnt."), parse_count(abgelehnt))
        return self._inbox(request, svc, viewer, notice=notice)

    def _inbox(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer, *,
               notice: tuple[str, int | None] | None = None,
               error: str | Message | None = None,
               error_for: int | None = None, reason: str = "",
               status: int = 200) -> Template:
        actor = require_staff_viewer(viewer)
        now = svc.clock.now()
        with svc.read_db() as db:
            pending = [rental_view(db, b, viewer.lang, now)
                       for b in reversed(rentals.list_rentals(db, actor, status="pending"))
                       if actor.is_staff_of(b.centre_id)]
        return render(request, viewer, "staff_requests.html", status=status, nav="verwaltung",
                      rentals=pending, notice=notice, error=error, error_for=error_for,
                      reason=reason)

    @post("/anfragen/{booking_id:int}/bestaetigen", sync_to_thread=True)
    def confirm(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                booking_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            with transaction(svc.db) as db:
                rentals.confirm(db, actor, booking_id, svc.clock.now())
        except DomainError as exc:
            return self._inbox(request, svc, viewer, error=exc.message, error_for=booking_id,
                               status=exc.status_code)
        return redirect("/verwaltung/anfragen", bestaetigt=booking_id)

    @post("/anfragen/{booking_id:int}/ablehnen", sync_to_thread=True)
    def decline(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                booking_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        reason = field_value(data, "grund", text_area=True)[:2000]
        try:
            with transaction(svc.db) as db:
                rentals.decline(db, actor, booking_id, reason, svc.clock.now())
        except DomainError as exc:
            return self._inbox(request, svc, viewer, error=exc.message, error_for=booking_id,
                               reason=reason, status=exc.status_code)
        return redirect("/verwaltung/anfragen", abgelehnt=booking_id)
