"""Compiles the vocabulary files into word-bounded regexes, and reads them.

Pattern conventions: every fragment is a regex that must start and end at a
word boundary, so a fragment that should also match compounds ("Seniorenheim",
"Obdachlosenhilfe") says so explicitly with ``\\w*``. Lower-case umlauts and ß
in fragments also match their ASCII spellings (ue, oe, ae, ss), because members
on foreign keyboards write "Gefluechtete". Parts that only make sense as
capitalised German nouns ("Kind", "Freiwillige") are wrapped in ``(?-i:...)``
so that English "kind" or the adjective "freiwillige Angaben" do not count.

The files are read and compiled once, when the modules that use them are
imported; detection itself only runs compiled regexes.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "Detector",
    "Record",
    "ascii_alternatives",
    "clean",
    "compile_fragments",
    "norm_label",
    "read",
    "records",
    "table",
]

_UMLAUTS = {"ä": "(?:ä|ae)", "ö": "(?:ö|oe)", "ü": "(?:ü|ue)", "ß": "(?:ß|ss)"}
_HAS_UMLAUT = re.compile("[äöüß]")


def ascii_alternatives(fragment: str) -> str:
    """``fragment`` with each umlaut and ß outside a character class also matching ASCII."""
    # Most fragments have none, and this loop is a noticeable part of start-up.
    if not _HAS_UMLAUT.search(fragment):
        return fragment
    out: list[str] = []
    in_class = False
    escaped = False
    for ch in fragment:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "]":
            in_class = False
            out.append(ch)
        else:
            out.append(ch if in_class else _UMLAUTS.get(ch, ch))
    return "".join(out)


def compile_fragments(fragments: Iterable[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """One word-bounded alternation of all fragments."""
    body = "|".join(ascii_alternatives(f) for f in fragments)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)


class Detector:
    """Word-bounded synonym fragments, split by case sensitivity.

    Case-insensitive matching in ``re`` is about twice as slow as matching
    lower-cased text, and detection runs on every description, so most fragments
    run on the lower-cased text; only the ``(?-i:...)`` ones see the original.
    """

    __slots__ = ("_cased", "_lower")

    def __init__(self, fragments: Iterable[str]) -> None:
        frags = tuple(fragments)
        cased = [f for f in frags if "(?-i:" in f]
        lower = [f for f in frags if "(?-i:" not in f]
        for f in lower:
            if f != f.lower():
                raise ValueError(f"fragment must be lower-case or use (?-i:...): {f!r}")
        self._lower = compile_fragments(lower, 0) if lower else None
        self._cased = compile_fragments(cased, re.IGNORECASE) if cased else None

    def search(self, text: str, lowered: str) -> bool:
        """True if any fragment occurs; ``lowered`` must be ``text.lower()``."""
        return bool(
            (self._lower is not None and self._lower.search(lowered))
            or (self._cased is not None and self._cased.search(text))
        )


# Soft hyphens and zero-width characters come from copy-pasted PDFs and web pages
# and would otherwise split words invisibly.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def clean(text: str) -> str:
    """NFC-normalised ``text`` without invisible characters, as detection expects it."""
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


def norm_label(text: str) -> str:
    """Case- and space-insensitive form of a label or alias, for dictionary look-ups."""
    return " ".join(clean(text).casefold().split())


# Next to this module via os.path rather than importlib.resources or pathlib,
# whose imports alone would add a third to the import time of matching.taxonomy;
# the package is always installed as plain files (setuptools package-data).
_DIR = os.path.dirname(os.path.abspath(__file__))


def read(name: str) -> dict[str, Any]:
    """The parsed vocabulary file ``<name>.toml`` shipped in this package."""
    with open(os.path.join(_DIR, f"{name}.toml"), "rb") as f:
        return tomllib.load(f)


class Record:
    """One table of a vocabulary file, with type-checked access to its fields.

    A misspelt field name would otherwise be ignored silently and a group would
    lose its aliases, so unknown fields are an error.
    """

    __slots__ = ("_raw", "_where")

    def __init__(self, raw: Mapping[str, Any], fields: Iterable[str], where: str) -> None:
        unknown = set(raw) - set(fields)
        if unknown:
            raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
        self._raw = raw
        self._where = where

    def text(self, field: str) -> str:
        value = self._raw.get(field)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{self._where}: {field!r} must be a non-empty string")
        return value

    def optional_text(self, field: str) -> str | None:
        return self.text(field) if field in self._raw else None

    def texts(self, field: str, *, required: bool = False) -> tuple[str, ...]:
        """A list of strings; an absent field is empty unless ``required``.

        Patterns are required: an empty alternation would match everywhere.
        """
        value = self._raw.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"{self._where}: {field!r} must be a list of non-empty strings")
        if required and not value:
            raise ValueError(f"{self._where}: {field!r} must not be empty")
        return tuple(value)


def table(data: Mapping[str, Any], name: str, fields: Iterable[str]) -> Record:
    """The single ``[name]`` table of a parsed file."""
    raw = data.get(name)
    if not isinstance(raw, dict):
        raise ValueError(f"vocabulary has no [{name}] table")
    return Record(raw, tuple(fields), f"[{name}]")


def records(data: Mapping[str, Any], table: str, fields: Iterable[str]) -> list[Record]:
    """The ``[[table]]`` entries of a parsed file, in file order (order is meaningful)."""
    raw = data.get(table)
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ValueError(f"vocabulary has no [[{table}]] entries")
    allowed = tuple(fields)
    return [Record(r, allowed, f"[[{table}]] {r.get('key', i)!r}") for i, r in enumerate(raw)]
