"""What handlers get injected: the app's state (settings, session factories, clock) and the
caller as an :class:`~booking.permissions.Actor`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from sqlalchemy.orm import Session, sessionmaker

from booking.clock import Clock
from booking.permissions import ANONYMOUS, Actor
from booking.services import accounts
from booking.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: sessionmaker[Session]
    read_db: sessionmaker[Session]
    clock: Clock


def services(request: Request[Any, Any, Any]) -> Services:
    svc: Services = request.app.state.services
    return svc


def bearer_actor(request: Request[Any, Any, Any]) -> Actor:
    """The API's caller, from ``Authorization: Bearer <token>``; anonymous without one."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return ANONYMOUS
    svc = services(request)
    with svc.read_db() as session:
        found = accounts.authenticate(session, header[7:].strip(), "api", svc.clock.now())
        return Actor.of(found[0]) if found else ANONYMOUS
