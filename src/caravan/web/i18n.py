"""Russian and English for the web UI, from gettext catalogues kept as ``.po`` files.

The ``.po`` file is the source of truth; it is compiled in memory at start-up
(Babel), so there is no build step and no compiled ``.mo`` file to forget.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "ui" / "locale"
LANGUAGES = ("en", "ru")


@cache
def translations(lang: str) -> NullTranslations:
    """The catalogue for ``lang`` (English is the source language: identity)."""
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def pick_language(
    cookie: str | None, user_pref: str | None, accept: str | None, default: str
) -> str:
    """Cookie (the switch) beats the user's preference, which beats the browser's."""
    for candidate in (cookie, user_pref):
        if candidate in LANGUAGES:
            return candidate
    if accept:
        for part in accept.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return default
