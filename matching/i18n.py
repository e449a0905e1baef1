"""The message catalogue: every text a member or CLI user reads, in German and English.

German is the default: most members write and read German.
"""

from __future__ import annotations

LANGS = ("de", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # reasons
    "reason.groups": {
        "de": "ihr arbeitet beide mit {groups}",
        "en": "you both work with {groups}",
    },
    "reason.tools": {"de": "beide nutzen {tools}", "en": "you both use {tools}"},
    "reason.needs.they_offer": {
        "de": "du suchst {needs}, {name} bietet das an",
        "en": "you look for {needs}, {name} offers it",
    },
    "reason.needs.you_offer": {
        "de": "{name} sucht {needs}, das bietest du an",
        "en": "{name} looks for {needs}, which you offer",
    },
    "reason.sentences": {
        "de": "ähnliche Vorhaben: „{mine}“ ↔ „{theirs}“",
        "en": "similar work: “{mine}” ↔ “{theirs}”",
    },
    "reason.region": {"de": "beide in {region}", "en": "both in {region}"},
    "and": {"de": "und", "en": "and"},
}


def t(key: str, lang: str = "de", **values: object) -> str:
    """Look up ``key`` in ``lang`` (falling back to German) and fill in ``values``."""
    entry = MESSAGES[key]
    template = entry.get(lang) or entry["de"]
    return template.format(**values) if values else template


def join_list(items: list[str], lang: str) -> str:
    """ "A, B und C" / "A, B and C"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('and', lang)} {items[-1]}"


def norm_lang(value: str | None) -> str:
    """Map a Slack locale like "en-US" or "de-DE" to one of our languages."""
    if value and value.lower().startswith("en"):
        return "en"
    return "de"
