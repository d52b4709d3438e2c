"""What the weekly planner needs beyond bookings, and its runs.

* ``StaffProfile``: when a staff member can work, contract hours, skills (e.g. consultation).
* ``RecurringRequest``: a group's standing wish for a weekly slot: which weeks (RRULE), how long,
  allowed and preferred windows, size, room needs, priority. The planner places it each week;
  publishing writes the placement as a ``group`` booking linked back to the request.
* ``PlanRun``: one solve of one centre's week: queued → running → done (a draft) → published, or
  failed. Progress is written while it runs, so staff can watch it; the problem and the plan are
  stored as the solver's JSON, so a run can be re-checked or re-solved later.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base
from booking.models.runs import SolverRun


class StaffProfile(Base):
    __tablename__ = "staff_profile"
    __table_args__ = (CheckConstraint("max_week_minutes >= 0 AND max_day_minutes >= 0",
                                      name="hours"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    max_week_minutes: Mapped[int] = mapped_column(default=39 * 60)
    max_day_minutes: Mapped[int] = mapped_column(default=10 * 60)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"day": 0..6, "start": "HH:MM", "end": "HH:MM"}] in the centre's local time
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class RecurringRequest(Base):
    __tablename__ = "recurring_request"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration"),
                      CheckConstraint("size > 0", name="size"),
                      CheckConstraint("priority BETWEEN 1 AND 10", name="priority"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id"))
    title: Mapped[str] = mapped_column(String(200))
    # Which weeks it meets, e.g. FREQ=WEEKLY;INTERVAL=2 (local dates, from valid_from on).
    rrule: Mapped[str] = mapped_column(String(300), default="FREQ=WEEKLY")
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    duration_minutes: Mapped[int]
    windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    preferred: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(default=10)
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    room_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(default=3)
    staffed: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class PlanRun(SolverRun, Base):
    __tablename__ = "plan_run"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'published', "
                        "'superseded')", name="status"),
        Index("ix_plan_run_queue", "status", "id"),
    )

    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    week: Mapped[str] = mapped_column(String(10))  # ISO week, e.g. 2026-W49
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"))
    time_limit_seconds: Mapped[float] = mapped_column(default=30.0)
    # id_map: what each demand of the problem is (booking.services.planning.Source).
