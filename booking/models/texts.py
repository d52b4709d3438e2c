"""Texts that staff write in German and may translate: a room's description, accessibility
notes and rules, an offer's title, description and target groups.

The translations live in one JSON column per row (``translations``), shaped
``{"en": {"description": "…"}, "ar": {"title": "…", "target_groups": ["…"]}}``, not in a
table of their own: they are only ever read together with their row (a page shows a room with
its texts), never searched or joined, and a row with its translations is one write, so a
failed update leaves no half-translated row. The German text stays in the row's own columns,
where every other reader (API, mails, reports) finds it; German is the fallback.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from booking.translations import DEFAULT_LANGUAGE, LANGUAGES

# Languages a translation may be given in: every page language but German, the original.
TRANSLATION_LANGUAGES = tuple(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE)


class Translatable:
    """Mixin: the ``translations`` column and the reading of one text in one language."""

    TRANSLATED: ClassVar[tuple[str, ...]] = ()

    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(
        JSON, default=dict, server_default="{}")

    def translated(self, name: str, lang: str) -> tuple[Any, str]:
        """The text ``name`` in ``lang`` and the language it is really in: the translation
        if staff gave one, else the German original (``"de"``), which a page marks with
        ``lang="de"`` so a screen reader pronounces it as German."""
        if name not in self.TRANSLATED:
            raise KeyError(name)
        original = getattr(self, name)
        if lang != DEFAULT_LANGUAGE:
            given = (self.translations or {}).get(lang, {}).get(name)
            if given:
                return given, lang
        return original, DEFAULT_LANGUAGE
