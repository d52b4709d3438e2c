"""The pages' languages: the viewer's choice, and the services' messages on the pages.

UI strings are German msgids in the templates and handlers, translated with gettext catalogues
(``booking.translations``). The services speak in codes with parameters
(``booking.messages.Message``), which the pages render in their language with ``msg()``.
"""

from __future__ import annotations

from booking.messages import FEATURE_WORDS, STATUS_WORDS, Message
from booking.translations import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    Gettext,
    gettext_for,
    pick_language,
)

__all__ = ["DEFAULT_LANGUAGE", "FEATURE_WORDS", "LANGUAGES", "STATUS_WORDS", "Gettext",
           "gettext", "pick_language", "service_message"]

# Public titles of busy times (``booking.services.availability``), translated on the pages.
PUBLIC_TITLES = (N_("Raumvermietung"), N_("Interne Nutzung"))


def gettext(lang: str) -> Gettext:
    """``_`` for one language: the catalogue's translation, or the German msgid."""
    return gettext_for(lang)


def service_message(message: str | Message, lang: str) -> str:
    """A service's message (a code with parameters), or a page's own German msgid, in the
    page's language."""
    if isinstance(message, Message):
        return message.render(lang)
    return gettext(lang)(message)
