"""Lexical side of the hybrid score: BM25 (bm25s) over character 4-grams of content words.

German compounds are why: "Wohnungslosenhilfe", "wohnungslose Menschen" and
"Obdachlosenunterkunft" share no whole word, but share 4-grams; stems miss
them. On both evaluation sets 4-grams beat Snowball stems (BENCHMARKS.md).
"""

from __future__ import annotations

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN
from numpy.typing import NDArray

from matching.text import words

_STOP = frozenset(STOPWORDS_GERMAN) | frozenset(STOPWORDS_EN)
GRAM = 4


def tokens(text: str) -> list[str]:
    """Character 4-grams of the content words, with word-boundary marks."""
    out: list[str] = []
    for w in words(text):
        if len(w) < 3 or w in _STOP:
            continue
        marked = f"#{w}#"
        out.extend(marked[i : i + GRAM] for i in range(max(1, len(marked) - GRAM + 1)))
    return out


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
