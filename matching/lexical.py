"""Lexical side of the hybrid score: BM25 (bm25s) over Snowball-stemmed words."""

from __future__ import annotations

import functools

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN
from numpy.typing import NDArray

from matching.text import words

_STOP = frozenset(STOPWORDS_GERMAN) | frozenset(STOPWORDS_EN)
_GERMAN_HINTS = frozenset({"und", "der", "die", "das", "mit", "für", "von", "zu", "ist", "ein"})


@functools.lru_cache(maxsize=2)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(lang)


def tokens(text: str) -> list[str]:
    """Stemmed content words; the stemmer follows the text's language (German or English)."""
    ws = words(text)
    german = sum(w in _GERMAN_HINTS for w in ws) * 8 >= len(ws) * 0.2 or any(
        c in text for c in "äöüß"
    )
    stem = _stemmer("german" if german else "english")
    return [t for t in stem.stemWords([w for w in ws if w not in _STOP and len(w) > 1]) if t]


class Lexical:
    """A BM25 index over a fixed list of token lists; rebuilt by the owner when docs change."""

    def __init__(self, corpus: list[list[str]]) -> None:
        self.size = len(corpus)
        self._bm25: bm25s.BM25 | None = None
        if corpus and any(corpus):
            self._bm25 = bm25s.BM25()
            # bm25s refuses empty documents; a placeholder token keeps row order aligned.
            self._bm25.index([doc or ["\x00"] for doc in corpus], show_progress=False)

    def scores(self, query: list[str]) -> NDArray[np.float32]:
        """BM25 score of every document for ``query``, in corpus order."""
        if self._bm25 is None or not query:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query), dtype=np.float32)
