"""The columns every solver run has (a week plan's ``PlanRun``, a term allocation's
``TermRun``): its place in the queued → running → done or failed → published lifecycle that
``booking.services.run_queue`` drives, the solver's input and output as JSON, and the progress
staff watch while it runs. What a run is of (a centre's week, a term) stays on the model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class SolverRun:
    """Mixed into a run model (declared before ``Base``); the tables keep their own names,
    checks and indexes. ``time_limit_seconds`` has no default here: each kind of run has its
    own (the model re-declares the column with it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    time_limit_seconds: Mapped[float]
    seed: Mapped[int] = mapped_column(default=0)
    pins: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What each id in the problem stands for, by its solver id: the builder's own map, so
    # nothing parses an id to learn which row it means.
    id_map: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
