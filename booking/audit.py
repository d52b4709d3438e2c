"""Writing audit records: one call per state change, inside the changing transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
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
    session.execute(_INSERT, {"at": at, "actor_id": actor_id, "entity": entity,
                              "entity_id": entity_id, "action": action, "changes": changes})


_INSERT = insert(cast(Table, AuditEvent.__table__))
