"""The UI is fully bilingual: every message the UI marks has a Russian translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import caravan.web.ui as ui
from caravan.web.i18n import LOCALE_DIR, translations

UI_DIR = Path(ui.__file__).parent
#: ``_("…")`` in templates and routes, and ``N_("…")`` (marked in Python, translated when shown).
MARKED = re.compile(r'\bN?_\(\s*"((?:[^"\\]|\\.)*)"\s*\)')


def marked_messages() -> set[str]:
    files = [*UI_DIR.rglob("*.html"), *UI_DIR.glob("*.py")]
    found = set()
    for path in files:
        for match in MARKED.finditer(path.read_text(encoding="utf-8")):
            found.add(
                match.group(1).encode().decode("unicode_escape")
                if "\\" in match.group(1)
                else match.group(1)
            )
    return found


def test_every_ui_message_has_a_russian_translation() -> None:
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="ru")
    messages = marked_messages()
    assert len(messages) > 200  # the extraction itself works
    missing = sorted(m for m in messages if not (catalog.get(m) and catalog.get(m).string))
    assert not missing, f"no Russian for: {missing}"


def test_placeholders_survive_translation() -> None:
    ru = translations("ru")
    for message in marked_messages():
        wanted = sorted(re.findall(r"%\(\w+\)s", message))
        assert sorted(re.findall(r"%\(\w+\)s", ru.gettext(message))) == wanted, message


def test_no_template_marks_user_data_safe() -> None:
    for path in UI_DIR.rglob("*.html"):
        assert "|safe" not in path.read_text(encoding="utf-8").replace(" ", ""), path
