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


# An audit record as one statement, and its parameters, for a hot path that writes past the
# unit of work (a rental's confirmation, where the unit of work's pass cost more CPU than its
# statements): it may send other writes with it (``INSERT_EVENT.add_cte(...)``, one round
# trip) as long as their parameter names differ from these and from every column's name.
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
