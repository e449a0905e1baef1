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

from matching.postings import Postings, Sparse
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
        self._vocab: dict[str, int] = {}
        # Token x document BM25 weights: scoring many queries is one sparse product.
        self._weights: Postings | None = None
        if corpus and any(corpus):
            bm25 = bm25s.BM25()
            # bm25s refuses empty documents; a placeholder token keeps row order aligned.
            bm25.index([doc or ["\x00"] for doc in corpus], show_progress=False)
            m = bm25.scores
            width = len(m["indptr"]) - 1
            # bm25s may list a token (its empty-string placeholder) that has no column.
            self._vocab = {t: j for t, j in bm25.vocab_dict.items() if j < width}
            self._weights = Postings.from_csc(m["indptr"], m["indices"], m["data"], m["num_docs"])

    def scores(self, query: list[str]) -> NDArray[np.float32]:
        """BM25 score of every document for ``query``, in corpus order."""
        row: NDArray[np.float32] = self.scores_many([query])[0]
        return row

    def scores_many(self, queries: list[list[str]]) -> NDArray[np.float32]:
        """BM25 scores (queries x documents); a token counts as often as a query has it."""
        if self._weights is None:
            return np.zeros((len(queries), self.size), dtype=np.float32)
        rows, cols = [], []
        for i, q in enumerate(queries):
            for t in q:
                j = self._vocab.get(t)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        found = Sparse.of(rows, cols, [1.0] * len(rows), (len(queries), self._weights.n_cols))
        return self._weights.dot(found).astype(np.float32)
