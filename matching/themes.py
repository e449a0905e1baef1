"""Fields of action ("Handlungsfelder") of the civic and social sector, detected in free text.

Target groups say *who* a project serves; themes say *what* it works on. Two
projects on participation in their city, or on impact measurement, should
meet even when they serve different people. The vocabulary
(``matching/vocabulary/themes.toml``) comes from the sector's usual fields of
action, with German and English synonyms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matching.vocabulary.engine import Detector, Record, clean, read, records


@dataclass(frozen=True)
class Theme:
    key: str
    de: str
    en: str
    _pattern: Detector = field(repr=False, compare=False)


def _theme(r: Record) -> Theme:
    return Theme(
        r.text("key"), r.text("de"), r.text("en"), Detector(r.texts("patterns", required=True))
    )


THEMES: tuple[Theme, ...] = tuple(
    _theme(r) for r in records(read("themes"), "theme", ("key", "de", "en", "patterns"))
)

_BY_KEY = {t.key: t for t in THEMES}


def detect_themes(text: str) -> list[str]:
    """Theme keys found in ``text``, in taxonomy order."""
    cleaned = clean(text)
    lowered = cleaned.lower()
    return [t.key for t in THEMES if t._pattern.search(cleaned, lowered)]


def theme_label(key: str, lang: str) -> str:
    theme = _BY_KEY[key]
    return theme.en if lang == "en" else theme.de
