"""Who may do what: the one place that answers it, for the API and the pages alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from booking.errors import Forbidden, Unauthorized
from booking.models import Person, Role


@dataclass(frozen=True)
class Actor:
    """The caller of a service function: a logged-in person or nobody."""

    person_id: int | None = None
    # (role, centre_id or None for roles that hold everywhere)
    roles: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)
    language: str = "de"

    @classmethod
    def of(cls, person: Person) -> Actor:
        return cls(
            person_id=person.id,
            roles=frozenset((r.role, r.centre_id) for r in person.roles),
            language=person.language,
        )

    @property
    def is_authenticated(self) -> bool:
        return self.person_id is not None

    def has(self, role: Role, centre_id: int | None = None) -> bool:
        return any(r == role and (c is None or c == centre_id) for r, c in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has(Role.ADMIN)

    def is_staff_of(self, centre_id: int) -> bool:
        return self.is_admin or self.has(Role.STAFF, centre_id)

    @property
    def is_any_staff(self) -> bool:
        return self.is_admin or any(r == Role.STAFF for r, _ in self.roles)

    @property
    def staff_centres(self) -> frozenset[int] | None:
        """The centres whose people this actor may see; None for every centre (admins, and a
        staff role without a centre)."""
        if self.is_admin or (Role.STAFF, None) in self.roles:
            return None
        return frozenset(c for r, c in self.roles if r == Role.STAFF and c is not None)

    def can_read_reports(self, centre_id: int) -> bool:
        return self.is_staff_of(centre_id) or self.has(Role.CITY, centre_id)


ANONYMOUS = Actor()


def require_login(actor: Actor) -> int:
    if actor.person_id is None:
        raise Unauthorized("login_required")
    return actor.person_id


def require_staff(actor: Actor, centre_id: int) -> int:
    person_id = require_login(actor)
    if not actor.is_staff_of(centre_id):
        raise Forbidden("not_staff")
    return person_id


def require_admin(actor: Actor) -> int:
    person_id = require_login(actor)
    if not actor.is_admin:
        raise Forbidden("not_admin")
    return person_id


def require_resident(actor: Actor) -> int:
    """Residents (and group contacts, who are residents too) may request rooms."""
    person_id = require_login(actor)
    if not actor.roles:
        # Self-registered and not yet confirmed (booking.services.accounts.register).
        raise Forbidden("address_unconfirmed")
    if not (actor.has(Role.RESIDENT) or actor.has(Role.GROUP_CONTACT) or actor.is_any_staff):
        raise Forbidden("not_resident")
    return person_id
