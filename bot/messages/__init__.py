"""The message catalogue: every text a member or CLI user reads, one TOML file per language.

German is the default and the fallback: most members write and read German.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from functools import cache
from importlib import resources

LANGS = ("de", "en")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All texts of ``lang`` (one of LANGS), read from the package once per process."""
    text = resources.files(__name__).joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    return {key: str(value) for key, value in tomllib.loads(text).items()}


def t(key: str, lang: str = "de", **values: object) -> str:
    """Look up ``key`` in ``lang`` (falling back to German) and fill in ``values``."""
    texts = catalogue(lang if lang in LANGS else "de")
    template = texts.get(key) or catalogue("de")[key]
    return template.format(**values) if values else template


def join_list(items: Sequence[str], lang: str) -> str:
    """ "A, B und C" / "A, B and C"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('and', lang)} {items[-1]}"


def norm_lang(value: str | None) -> str:
    """Map a Slack locale like "en-US" or "de-DE" to one of our languages."""
    if value and value.lower().startswith("en"):
        return "en"
    return "de"
