"""Writing audit records: one call per state change, inside the changing transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
