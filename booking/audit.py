"""Writing audit records: one call per state change, inside the changing transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm import Session

from booking.models import AuditEvent


def record(
    session: Session,
    at: datetime,
    actor_id: int | None,
    entity: str,
    entity_id: int,
    action: str,
    **changes: Any,
) -> None:
    session.add(AuditEvent(at=at, actor_id=actor_id, entity=entity, entity_id=entity_id,
                           action=action, changes=changes))


def record_now(
    session: Session,
    at: datetime,
    actor_id: int | None,
    entity: str,
    entity_id: int,
    action: str,
    **changes: Any,
) -> None:
    """:func:`record`, inserted at once by one statement instead of by the unit of work at the
    next flush: for a hot path that writes without the unit of work (a rental's confirmation,
    where the unit of work's pass cost more CPU than its statements)."""
    session.execute(INSERT_EVENT, event_values(at, actor_id, entity, entity_id, action, changes))


# The statement of record_now, and its parameters: a caller may send it with other writes
# (``INSERT_EVENT.add_cte(...)``, one round trip) as long as their parameter names differ.
_event = cast(Table, AuditEvent.__table__)
INSERT_EVENT = insert(_event).values(
    at=bindparam("audit_at"), actor_id=bindparam("audit_actor_id"),
    entity=bindparam("audit_entity"), entity_id=bindparam("audit_entity_id"),
    action=bindparam("audit_action"),
    changes=bindparam("audit_changes", type_=_event.c.changes.type))


def event_values(at: datetime, actor_id: int | None, entity: str, entity_id: int, action: str,
                 changes: dict[str, Any]) -> dict[str, Any]:
    return {"audit_at": at, "audit_actor_id": actor_id, "audit_entity": entity,
            "audit_entity_id": entity_id, "audit_action": action, "audit_changes": changes}
