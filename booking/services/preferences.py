"""What a person chooses for themselves and the service remembers: for now their language."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from booking.errors import InvalidInput
from booking.models import Person
from booking.translations import LANGUAGES


def language_unknown() -> InvalidInput:
    return InvalidInput("language_unknown", languages=", ".join(LANGUAGES))

def set_language(session: Session, person_id: int, language: str) -> None:
    """Pages and mails use ``language`` for this person from now on."""
    if language not in LANGUAGES:
        raise language_unknown()
    session.execute(update(Person).where(Person.id == person_id, Person.deleted_at.is_(None))
                    .values(language=language))
