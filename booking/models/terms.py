"""The term plan's data: terms, their application rounds, priority classes, applications.

* ``Term``: a centre's season (e.g. February–July) with its application period and the
  published allocation criteria; status draft → open → allocating → published → closed (a
  published term can go back to allocating for a late change).
* ``PriorityClass``: a centre's ordered classes with the conditions that put a section in a
  class (rules, not scores: the planner places class 1 before class 2, whatever the rest).
* ``Application``: one applicant (a group's contact, or staff on the group's or the centre's
  behalf) for one term, with the facts the classes look at (non-profit, from the district).
* ``ApplicationSection``: one activity of an application: what it is, who comes, how long
  (minimum and maximum), how often, when it may and would like to meet, where and with what.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.base import Base
from booking.models.runs import SolverRun

TERM_STATUSES = ("draft", "open", "allocating", "published", "closed")
# Which status may follow which (a published term reopens for a late change by going back to
# allocating; its changes then go through the same preview and publishing).
TERM_FLOW: dict[str, frozenset[str]] = {
    "draft": frozenset({"open"}),
    "open": frozenset({"draft", "allocating"}),
    "allocating": frozenset({"open", "published"}),
    "published": frozenset({"allocating", "closed"}),
    "closed": frozenset(),
}
APPLICATION_STATUSES = ("submitted", "withdrawn")
SECTION_STATUSES = ("requested", "rejected", "allocated", "refused")
FREQUENCIES = ("weekly", "fortnightly", "monthly")
# The conditions a priority class may name, each a fact of the application or the section.
CLASS_CONDITIONS = ("own_programme", "non_profit", "from_district", "target_groups_any",
                    "age_groups_any", "themes_any")


class Term(Base):
    __tablename__ = "term"
    __table_args__ = (
        CheckConstraint("starts_on < ends_on", name="dates"),
        CheckConstraint("applications_from < applications_until", name="application_period"),
        CheckConstraint("status IN ('draft', 'open', 'allocating', 'published', 'closed')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # the last day of the term
    applications_from: Mapped[datetime]
    applications_until: Mapped[datetime]
    criteria: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class PriorityClass(Base):
    __tablename__ = "priority_class"
    __table_args__ = (UniqueConstraint("centre_id", "rank"),
                      CheckConstraint("rank BETWEEN 1 AND 20", name="rank_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    # {"non_profit": true, "target_groups_any": ["children", "youth"]}; every condition must
    # hold; a class without conditions takes everyone (the last class, "everyone else").
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Application(Base):
    __tablename__ = "term_application"
    __table_args__ = (CheckConstraint("status IN ('submitted', 'withdrawn')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)
    # None: the centre's own programme, entered by staff.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("person.id",
                                                                ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    non_profit: Mapped[bool] = mapped_column(Boolean, default=False)
    from_district: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sections: Mapped[list[ApplicationSection]] = relationship(
        back_populates="application", cascade="all, delete-orphan", lazy="selectin",
        order_by="ApplicationSection.id")

    @property
    def own_programme(self) -> bool:
        return self.group_id is None


class ApplicationSection(Base):
    __tablename__ = "term_section"
    __table_args__ = (
        CheckConstraint("min_minutes > 0 AND min_minutes <= max_minutes", name="duration"),
        CheckConstraint("max_minutes <= 720", name="max_duration"),
        CheckConstraint("meetings_per_week BETWEEN 1 AND 3", name="meetings"),
        CheckConstraint("expected_people > 0", name="people"),
        CheckConstraint("frequency IN ('weekly', 'fortnightly', 'monthly')", name="frequency"),
        CheckConstraint("status IN ('requested', 'rejected', 'allocated', 'refused')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("term_application.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id"))
    theme: Mapped[str] = mapped_column(String(30), default="other")
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    age_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    expected_people: Mapped[int] = mapped_column(default=10)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    staffed: Mapped[bool] = mapped_column(Boolean, default=False)
    self_managed: Mapped[bool] = mapped_column(Boolean, default=False)
    min_minutes: Mapped[int]
    max_minutes: Mapped[int]
    meetings_per_week: Mapped[int] = mapped_column(default=1)
    frequency: Mapped[str] = mapped_column(String(20), default="weekly")
    # For monthly sections: which weekdays of the month, 1..4 or -1 for the last one.
    month_weeks: Mapped[list[int]] = mapped_column(JSON, default=list)
    # [{"day": 0..6, "start": "HH:MM", "end": "HH:MM"}] in the centre's local time (as the
    # week planner's recurring requests).
    allowed_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The same, each with "rank": 1 (primary) or 2 (secondary).
    preferred_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    room_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # wished, in order
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="requested")
    # Why staff rejected it (shown to the applicant), or the planner's refusal reason code.
    reason: Mapped[str] = mapped_column(Text, default="")
    application: Mapped[Application] = relationship(back_populates="sections")


TERM_RUN_STATUSES = ("queued", "running", "done", "failed", "published")


class TermRun(SolverRun, Base):
    """One solve of a term's allocation: queued → running → done (a draft staff review, pin
    and publish) or failed; the one that is published says so.  The problem, the plan and the
    map from the solver's ids to our rows (``booking.services.term_problem.TermIdMap``) are
    stored with it, so a worker restart, the staff view and publishing all read the same."""

    __tablename__ = "term_run"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'published')",
                        name="status"),
        CheckConstraint("time_limit_seconds > 0", name="time_limit"),
        Index("ix_term_run_queue", "status", "id"),
    )

    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id",
                                                                   ondelete="SET NULL"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("term_run.id"))
    time_limit_seconds: Mapped[float] = mapped_column(default=60.0)
    # pins, the staff decisions: [{"section_id": 12, "action": "accept" | "lock" | "forbid" |
    # "move", "room_id"?, "days"?, "start"?: "HH:MM", "minutes"?, "phase"?}]
    # After publishing: {"<section id>": {"booking_id": …, "skipped": [{"date", "reason",
    # "code", "detail"}]}} of the series written.
    series: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
