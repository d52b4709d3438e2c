"""API: the rental workflow (request, quote, confirm, decline, cancel, list)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from booking.api import convert
from booking.api import schemas as s
from booking.api.problems import answer_language
from booking.deps import Services
from booking.permissions import Actor
from booking.services import access as door_access
from booking.services import rentals
from booking.services.catalogue import get_room


class RentalController(Controller):
    path = "/api/rentals"
    tags = ["rentals"]

    @post("/quote", sync_to_thread=True, status_code=200)
    def quote(self, read_db: Session, now: datetime, request: Request[Any, Any, Any],
              data: s.QuoteIn) -> s.QuoteOut:
        """The fee and every rule the request would break, before it is sent."""
        q = rentals.quote(read_db, room=get_room(read_db, data.room_id), start=data.starts_at,
                          end=data.ends_at, people=data.expected_people, now=now)
        lang = answer_language(request)
        return s.QuoteOut(fee_cents=q.fee_cents, fee=q.fee, hours_charged=q.hours_charged,
                          hourly_rate_cents=q.hourly_rate_cents,
                          problems=[convert.message(p, lang) for p in q.problems],
                          rules="; ".join(r.render(lang) for r in q.rules),
                          house_rules=[convert.message(r, lang) for r in q.rules],
                          allowed=not q.problems)

    @post("/", sync_to_thread=True)
    def request_rental(self, db: Session, now: datetime, actor: Actor,
                       data: s.RentalIn) -> s.RentalOut:
        return convert.rental(rentals.request_rental(
            db, actor, room_id=data.room_id, start=data.starts_at, end=data.ends_at,
            people=data.expected_people, purpose=data.purpose, now=now))

    @get("/", sync_to_thread=True)
    def list_rentals(
        self, read_db: Session, actor: Actor,
        centre_id: Annotated[int | None, Parameter(ge=1, le=s.MAX_ID)] = None,
        status: Literal["pending", "confirmed", "declined", "cancelled"] | None = None,
    ) -> list[s.RentalOut]:
        """A resident's own requests; for staff, those of their centres."""
        return [convert.rental(b) for b in rentals.list_rentals(
            read_db, actor, centre_id=centre_id, status=status)]

    @get("/{booking_id:int}", sync_to_thread=True)
    def get_rental(self, read_db: Session, actor: Actor, booking_id: s.Id) -> s.RentalOut:
        return convert.rental(rentals.get_rental(read_db, actor, booking_id))

    @post("/{booking_id:int}/confirm", status_code=200)
    async def confirm(self, svc: Services, now: datetime, actor: Actor,
                      booking_id: s.Id) -> s.RentalOut:
        # The service and its commit in one thread hop (the hot write, DESIGN §4).
        return await svc.run_unit(_confirmed, actor, booking_id, now)

    @post("/{booking_id:int}/decline", sync_to_thread=True, status_code=200)
    def decline(self, db: Session, now: datetime, actor: Actor, booking_id: s.Id,
                data: s.ReasonIn) -> s.RentalOut:
        return convert.rental(rentals.decline(db, actor, booking_id, data.reason, now))

    @post("/{booking_id:int}/cancel", sync_to_thread=True, status_code=200)
    def cancel(self, db: Session, now: datetime, actor: Actor, booking_id: s.Id,
               data: s.ReasonIn | None = None) -> s.RentalOut:
        return convert.rental(rentals.cancel(db, actor, booking_id,
                                             data.reason if data else "", now))


def _confirmed(db: Session, actor: Actor, booking_id: int, now: datetime) -> s.RentalOut:
    out = convert.rental(rentals.confirm(db, actor, booking_id, now))
    issued = door_access.issued_in_this_transaction(db, booking_id)
    out.access_code = issued.code if issued else None  # shown once (issue 12)
    return out
