"""Organisation names as members type them, reduced to a key for "same organisation?".

Members type their organisation freely ("Caritasverband Musterstadt-Land e.V.",
"Caritas Musterstadt-Land", "caritas musterstadt land"), so names are compared by
:func:`org_key`, never as typed. The key is deliberately conservative: it only
removes what does not tell two organisations apart (case, punctuation, umlaut
spelling, legal forms, the "-verband" of a federation's name, filler words) and
expands a few common abbreviations of the welfare federations. Two keys are equal
or not; a name is never matched by a part of it, because "Caritas" alone would
then equal every local Caritas, and those are different organisations.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Written-out federation names -> the short form everyone also uses.
_ALIASES = (
    ("deutsches rotes kreuz", "drk"),
    ("arbeiterwohlfahrt", "awo"),
    ("diakonisches werk", "diakonie"),
    ("paritaetischer wohlfahrtsverband", "paritaetische"),
    ("der paritaetische", "paritaetische"),
    ("paritaetischer", "paritaetische"),
    ("arbeiter samariter bund", "asb"),
)

# Legal forms: they say how an organisation is registered, not which one it is.
_LEGAL = re.compile(
    r"\b(?:e\s*\.?\s*v|g?gmbh|g?mbh|g?ug|haftungsbeschraenkt|e\s*\.?\s*g|gag|kdoer)\b\.?"
)

# A federation's level ("DRK-Kreisverband Neustadt" = "DRK Neustadt"). Two levels of one
# federation in a place of the same name would share a key; that is rare, as a
# Landesverband is named after a Land and a Kreisverband after a Kreis.
_LEVELS = frozenset(
    {
        "verband",
        "kreisverband",
        "landesverband",
        "bezirksverband",
        "bundesverband",
        "ortsverband",
        "ortsverein",
        "stadtverband",
        "regionalverband",
        "dioezesanverband",
        "kv",
        "lv",
        "ov",
    }
)

_FILLER = frozenset(
    {"der", "die", "das", "des", "dem", "den", "fuer", "und", "am", "im", "in", "an", "von",
     "vom", "zu", "zum", "zur", "the", "of", "and", "for"}
)  # fmt: skip

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().translate(_UMLAUTS)
    # Other accents (é, ñ) are spelled with or without; drop them.
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text


@lru_cache(maxsize=4096)
def org_key(name: str) -> str:
    """A canonical key: equal keys mean "the same organisation, spelled differently".

    Empty for an empty name (or one that is only a legal form): an unknown organisation
    is never the same as another.
    """
    text = _fold(name or "")
    text = _LEGAL.sub(" ", text)
    text = re.sub(r"[^\w]+|_", " ", text)
    text = " ".join(text.split())
    for long, short in _ALIASES:
        text = re.sub(rf"\b{long}\b", short, text)
    words: list[str] = []
    for word in text.split():
        if word in _LEVELS or word in _FILLER:
            continue
        # "Caritasverband" is "Caritas"; a bare "Verband" was dropped above.
        if word.endswith("verband") and len(word) > len("verband") + 2:
            word = word[: -len("verband")]
        words.append(word)
    return " ".join(sorted(set(words)))


def same_org(a: str, b: str) -> bool:
    """Whether two typed names denote one organisation (never for an empty name)."""
    ka = org_key(a)
    return bool(ka) and ka == org_key(b)
