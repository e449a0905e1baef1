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


# Tokens in at least this share of documents are scored by a dense matrix product (BLAS);
# they hold most postings. The rest go through the sparse postings.
DENSE_SHARE = 0.05
DENSE_MAX = 256
# Queries per dense product (zero-padded to this many rows). The product is taken in
# float64: a query's small token counts times float32 BM25 weights, and their sums, are
# exact there, so its scores do not depend on which other queries share the product or
# on how the BLAS library splits it (OpenBLAS 0.3.31 gave a row different last bits
# alone and in a batch, which reordered tied suggestions).
DENSE_ROWS = 64


class Lexical:
    """A BM25 index over a fixed list of token lists; rebuilt by the owner when docs change."""

    def __init__(self, corpus: list[list[str]]) -> None:
        self.size = len(corpus)
        self._vocab: dict[str, int] = {}
        # Token x document BM25 weights: rare tokens as postings, frequent ones dense.
        self._weights: Postings | None = None
        self._dense_col: dict[int, int] = {}
        self._dense = np.zeros((0, self.size), dtype=np.float64)
        if corpus and any(corpus):
            bm25 = bm25s.BM25()
            # bm25s refuses empty documents; a placeholder token keeps row order aligned.
            bm25.index([doc or ["\x00"] for doc in corpus], show_progress=False)
            m = bm25.scores
            indptr = np.asarray(m["indptr"], dtype=np.int64)
            rows = np.asarray(m["indices"], dtype=np.int64)
            data = np.asarray(m["data"], dtype=np.float32)
            width = len(indptr) - 1
            # bm25s may list a token (its empty-string placeholder) that has no column.
            self._vocab = {t: j for t, j in bm25.vocab_dict.items() if j < width}
            df = np.diff(indptr)
            frequent = np.argsort(-df, kind="stable")[:DENSE_MAX]
            frequent = np.sort(frequent[df[frequent] >= max(2, DENSE_SHARE * self.size)])
            self._dense = np.zeros((len(frequent), self.size), dtype=np.float64)
            for f, j in enumerate(frequent.tolist()):
                self._dense[f, rows[indptr[j] : indptr[j + 1]]] = data[indptr[j] : indptr[j + 1]]
                self._dense_col[j] = f
            keep = np.ones(len(rows), dtype=bool)
            for j in frequent.tolist():
                keep[indptr[j] : indptr[j + 1]] = False
            sparse_df = np.where(np.isin(np.arange(width), frequent), 0, df)
            sparse_ptr = np.concatenate(([0], np.cumsum(sparse_df))).astype(np.int64)
            self._weights = Postings(
                sparse_ptr, rows[keep], data[keep].astype(np.float64), self.size
            )

    def scores(self, query: list[str]) -> NDArray[np.float32]:
        """BM25 score of every document for ``query``, in corpus order."""
        row: NDArray[np.float32] = self.scores_many([query])[0]
        return row

    def scores_many(self, queries: list[list[str]]) -> NDArray[np.float32]:
        """BM25 scores (queries x documents); a token counts as often as a query has it."""
        if self._weights is None:
            return np.zeros((len(queries), self.size), dtype=np.float32)
        out = np.zeros((len(queries), self.size), dtype=np.float32)
        for start in range(0, len(queries), DENSE_ROWS):
            block = queries[start : start + DENSE_ROWS]
            rows, cols, dense_rows, dense_cols = [], [], [], []
            for i, q in enumerate(block):
                for t in q:
                    j = self._vocab.get(t)
                    if j is None:
                        continue
                    f = self._dense_col.get(j)
                    if f is None:
                        rows.append(i)
                        cols.append(j)
                    else:
                        dense_rows.append(i)
                        dense_cols.append(f)
            counts = np.zeros((DENSE_ROWS, len(self._dense)), dtype=np.float64)
            np.add.at(counts, (dense_rows, dense_cols), 1.0)
            rare = Sparse.of(rows, cols, [1.0] * len(rows), (len(block), self._weights.n_cols))
            dense = (counts @ self._dense)[: len(block)]
            out[start : start + len(block)] = self._weights.dot(rare) + dense
        return out
