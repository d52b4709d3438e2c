"""The service's languages and their gettext catalogues.

Message ids are **German**: German is the default language, the language the centres' staff
write in, and the one every page was first written in; a msgid is what a German reader sees if
a catalogue lacks it. Each language, German included, has a catalogue
``booking/locale/<lang>/LC_MESSAGES/messages.po`` in the repository, so a translator (or an
editor of the German wording) corrects a ``.po`` file without touching code.

The catalogues are compiled in memory when a language is first used (``read_po`` →
``write_mo`` → ``GNUTranslations``): no build step, no ``.mo`` files to forget, and a fresh
``pip install -e .`` works at once. Fuzzy or empty entries fall back to the German msgid.

``python -m booking.translations`` extracts the msgids from the code (``_()``, ``N_()``) and the
page and mail templates (``_()``, ``{% trans %}``) and merges them into every catalogue, as
``pybabel extract`` + ``pybabel update`` would.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LANGUAGES: Final = ("de", "en", "tr", "ar", "uk")
DEFAULT_LANGUAGE: Final = "de"
RIGHT_TO_LEFT: Final = frozenset({"ar"})
# Each language's name in itself, for the language switch and the registration form.
LANGUAGE_NAMES: Final = {"de": "Deutsch", "en": "English", "tr": "Türkçe", "ar": "العربية",
                         "uk": "Українська"}

PACKAGE: Final = Path(__file__).parent
LOCALE_DIR: Final = PACKAGE / "locale"
DOMAIN: Final = "messages"
# Where msgids live: Python code (``_``, ``N_``, ``Nn_``, ``gettext``, ``ngettext``) and page
# templates.
METHOD_MAP: Final = [("web/templates/**.html", "jinja2.ext:babel_extract"),
                     ("mail_templates/**.txt", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS: Final = {"_": None, "N_": None, "Nn_": (1, 2), "gettext": None, "ngettext": (1, 2)}

Gettext = Callable[[str], str]
HEADER_COMMENT: Final = (
    "# Raumplan's page texts. Message ids are German; see booking/translations.py.\n"
    "# Translators: keep %(name)s placeholders as they are; reorder them freely.")


def N_(message: str) -> str:
    """Marks a msgid that is translated later (stored in a table, passed to a template)."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a msgid with a plural (a sentence that says a number ``n``), translated later
    with ``ngettext``: extracted as one entry with a form per plural category."""
    return singular, plural


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Catalog:
    with catalogue_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


@cache
def translations(lang: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalogue of ``lang``; the German msgids for an unknown language."""
    if lang not in LANGUAGES or not catalogue_path(lang).exists():
        return stdlib_gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(lang))
    buffer.seek(0)
    return stdlib_gettext.GNUTranslations(buffer)


def gettext_for(lang: str) -> Gettext:
    return translations(lang).gettext


def direction(lang: str) -> str:
    """The writing direction for ``<html dir>``."""
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


def pick_language(*candidates: str | None) -> str:
    """The page's language: the first of ``candidates`` (in order of precedence: just chosen,
    remembered, asked for by the browser) that we speak, else German."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


_ACCEPT_ITEM = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?")


def negotiate(accept_language: str | None) -> str | None:
    """The best of our languages for an ``Accept-Language`` header (RFC 9110 §12.5.4):
    highest quality first, the primary subtag decides (``tr-TR`` → ``tr``)."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")[:50]):
        match = _ACCEPT_ITEM.match(item)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        code = match.group(1).lower()
        if quality > 0 and code in LANGUAGES:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def extract() -> Catalog:
    """Every msgid in the code and the page templates, as a template catalogue."""
    catalog = Catalog(project="Raumplan", fuzzy=False)
    messages: Iterable[tuple[str, int, str | tuple[str, ...], list[str], str | None]] = \
        extract_from_dir(str(PACKAGE), METHOD_MAP, keywords=KEYWORDS,
                         comment_tags=("Translators:",), strip_comment_tags=True)
    for filename, lineno, message, comments, context in messages:
        catalog.add(message, None, [(f"booking/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def update() -> None:
    """Merge the extracted msgids into every catalogue (new ones empty, gone ones obsolete)."""
    template = extract()
    for lang in LANGUAGES:
        path = catalogue_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue = read_catalogue(lang) if path.exists() else Catalog(locale=lang)
        before = {m.id for m in catalogue if m.id}, catalogue.creation_date
        catalogue.update(template, update_header_comment=False)
        if {m.id for m in catalogue if m.id} == before[0]:
            catalogue.creation_date = before[1]  # nothing new: leave the file as it was
        catalogue.project, catalogue.fuzzy = "Raumplan", False
        catalogue.header_comment = HEADER_COMMENT
        with path.open("wb") as f:
            write_po(f, catalogue, width=100, ignore_obsolete=True, include_lineno=False)


if __name__ == "__main__":
    update()
