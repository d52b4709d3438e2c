"""The recurring demand the weekly planner places (``RecurringRequest``): a group's or an
offer's standing wish for a slot — which weeks (an RRULE from a first date), how long, on which
days and hours it may and would rather meet, how many people, which room features or rooms,
its priority, whether staff must be there. Staff of the centre maintain it; the planner reads
the active ones (``booking.services.planning.build_problem``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.audit import record
from booking.errors import Conflict, InvalidInput, NotFound
from booking.models import Booking, Group, Offer, RecurringRequest, Room
from booking.permissions import Actor, require_staff
from booking.services.catalogue import check_features, get_centre

# The repetitions a page offers; the API of the solver reads any RFC 5545 rule.
RULES = ("FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=MONTHLY")
FIELDS = ("title", "group_id", "offer_id", "rrule", "valid_from", "valid_until",
          "duration_minutes", "windows", "preferred", "size", "features", "room_ids",
          "priority", "staffed", "active")


def get_demand(session: Session, actor: Actor, demand_id: int) -> RecurringRequest:
    """One recurring request: staff of its centre only (to others it does not exist)."""
    req = session.get(RecurringRequest, demand_id)
    if req is None or not actor.is_staff_of(req.centre_id):
        raise NotFound("no_demand_item", id=demand_id)
    return req


def _minutes(hhmm: str) -> int:
    t = time.fromisoformat(hhmm)
    return t.hour * 60 + t.minute


def _check(session: Session, centre_id: int, v: dict[str, Any]) -> None:
    """The values together, as the planner needs them; each refusal a sentence."""
    if not 1 <= v["duration_minutes"] <= 24 * 60:
        raise InvalidInput("demand_duration")
    if not 1 <= v["priority"] <= 10:
        raise InvalidInput("demand_priority")
    if not 1 <= v["size"] <= 10_000:
        raise InvalidInput("demand_size")
    try:
        rrulestr("RRULE:" + v["rrule"].removeprefix("RRULE:"),
                 dtstart=datetime.combine(v["valid_from"], time(0)))
    except (ValueError, TypeError) as exc:
        raise InvalidInput("demand_rule") from exc
    until: date | None = v["valid_until"]
    if until is not None and until < v["valid_from"]:
        raise InvalidInput("demand_until_before_from")
    if not v["windows"]:
        raise InvalidInput("demand_no_window")
    for w in [*v["windows"], *v["preferred"]]:
        if not 0 <= int(w["day"]) <= 6 or _minutes(w["end"]) <= _minutes(w["start"]):
            raise InvalidInput("window_ends_before_start")
    if all(_minutes(w["end"]) - _minutes(w["start"]) < v["duration_minutes"]
           for w in v["windows"]):
        raise InvalidInput("demand_window_too_short")
    v["features"] = check_features(v["features"])
    rooms = sorted(set(v["room_ids"]))
    if rooms and len(session.scalars(select(Room.id).where(
            Room.id.in_(rooms), Room.centre_id == centre_id)).all()) != len(rooms):
        raise InvalidInput("demand_room_other_centre")
    v["room_ids"] = rooms
    if v.get("group_id") is not None:
        group = session.get(Group, v["group_id"])
        if group is None or group.centre_id != centre_id:
            raise NotFound("no_group_in_centre", id=v["group_id"])
    if v.get("offer_id") is not None:
        offer = session.get(Offer, v["offer_id"])
        if offer is None or offer.centre_id != centre_id:
            raise NotFound("no_offer", id=v["offer_id"])


def create_demand(session: Session, actor: Actor, centre_id: int, values: dict[str, Any],
                  now: datetime) -> RecurringRequest:
    staff_id = require_staff(actor, get_centre(session, centre_id).id)
    v = {k: values[k] for k in FIELDS if k in values}
    _check(session, centre_id, v)
    req = RecurringRequest(centre_id=centre_id, **v)
    session.add(req)
    session.flush()
    record(session, now, staff_id, "recurring_request", req.id, "created", title=req.title)
    return req


def update_demand(session: Session, actor: Actor, demand_id: int, values: dict[str, Any],
                  now: datetime) -> RecurringRequest:
    req = get_demand(session, actor, demand_id)
    staff_id = require_staff(actor, req.centre_id)
    v = {k: values[k] for k in FIELDS if k in values}
    _check(session, req.centre_id, v)
    for key, value in v.items():
        setattr(req, key, value)
    session.flush()
    record(session, now, staff_id, "recurring_request", req.id, "updated", title=req.title)
    return req


def delete_demand(session: Session, actor: Actor, demand_id: int, now: datetime) -> None:
    """Remove a recurring request no published plan has placed yet; one that has bookings
    is paused instead (``active`` off), so its history stays."""
    req = get_demand(session, actor, demand_id)
    staff_id = require_staff(actor, req.centre_id)
    if session.scalar(select(Booking.id).where(Booking.request_id == req.id).limit(1)):
        raise Conflict("demand_in_use", title=req.title)
    record(session, now, staff_id, "recurring_request", req.id, "deleted", title=req.title)
    session.delete(req)
    session.flush()
