"""Week plan runs solved before the id map was stored (0017) get it now, read once from their
demand ids as they were written then (``group-<request>``, ``rental-<booking>``,
``fixed-<occurrence>``), so the service reads every run's map and never parses a demand id
again (issue 11 §9).

Revision ID: 0019
Revises: 0018
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

plan_run = sa.table("plan_run", sa.column("id", sa.Integer), sa.column("problem", sa.JSON),
                    sa.column("id_map", sa.JSON))
occurrence = sa.table("occurrence", sa.column("id", sa.Integer),
                      sa.column("booking_id", sa.Integer))


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(plan_run.c.id, plan_run.c.problem).where(
        plan_run.c.id_map.is_(None), plan_run.c.problem.is_not(None))).all()
    for run_id, problem in rows:
        id_map: dict[str, dict[str, Any]] = {}
        for demand in (_loaded(problem) or {}).get("demands", []):
            kind, _, ident = str(demand["id"]).partition("-")
            if not ident.isdigit():
                continue
            entry = {"kind": kind, "booking_id": None, "request_id": None,
                     "series_date_id": None}
            if kind == "group":
                entry["request_id"] = int(ident)
            elif kind == "rental":
                entry["booking_id"] = int(ident)
            elif kind == "fixed":
                entry["booking_id"] = bind.scalar(sa.select(occurrence.c.booking_id).where(
                    occurrence.c.id == int(ident)))
            else:
                continue
            id_map[str(demand["id"])] = entry
        bind.execute(plan_run.update().where(plan_run.c.id == run_id).values(id_map=id_map))


def downgrade() -> None:
    # The maps stay: a run that has one is read the same by the older code.
    pass
