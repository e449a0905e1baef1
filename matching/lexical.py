"""Lexical side of the hybrid score: BM25 (bm25s's weights) over character 4-grams of content words.

German compounds are why: "Wohnungslosenhilfe", "wohnungslose Menschen" and
"Obdachlosenunterkunft" share no whole word, but share 4-grams; stems miss
them. On both evaluation sets 4-grams beat Snowball stems (BENCHMARKS.md).
"""

from __future__ import annotations

import math

import numpy as np
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN
from numpy.typing import NDArray

from matching.postings import Postings, Sparse
from matching.text import words

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]

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
# Queries per dense product (zero-padded to this many rows; batch.BLOCK ranks as many).
# The product is taken in float64: a query's small token counts times float32 BM25
# weights, and their sums, are exact there, so its scores do not depend on which other
# queries share the product or on how the BLAS library splits it (OpenBLAS 0.3.31 gave
# a row different last bits alone and in a batch, which reordered tied suggestions).
DENSE_ROWS = 32


# bm25s's defaults (its Lucene variant), which the weights below reproduce.
K1 = 1.5
B = 0.75


def _bm25(
    flat: NDArray[np.int32], lengths: I64, width: int
) -> tuple[I64, I64, NDArray[np.float32]]:
    """BM25 weights of every (token, document), by token (CSC: pointers, documents, weights),
    from every document's token ids in order (``flat``) and their counts (each at least 1).

    The weights bm25s computes, to the bit (a test compares them), with numpy over all
    documents at once instead of a Counter per document: that was most of a snapshot's
    build at 10,000 entries. Its order of operations is kept: the tf part in float64
    against numpy's float64 mean length, the idf by math.log, their product rounded to
    float32. Temporaries are reused: this is the peak of a start's memory.
    """
    avg = lengths.mean()
    n = len(lengths)
    key = np.repeat(np.arange(n, dtype=np.int64) * width, lengths)
    key += flat
    key, tf = np.unique(key, return_counts=True)
    doc, tok = np.divmod(key, width)
    del key
    df = np.bincount(tok, minlength=width)
    idf = np.array(
        [math.log(1 + (n - x + 0.5) / (x + 0.5)) if x else 0.0 for x in df.tolist()],
        dtype=np.float32,
    )
    tf64 = tf.astype(np.float32).astype(np.float64)
    del tf
    # k1 * ((1 - b) + b * l_d / l_avg) + tf, step by step as bm25s's expression evaluates.
    tfc = lengths[doc] * B
    tfc /= avg
    tfc += 1 - B
    tfc *= K1
    tfc += tf64
    np.divide(tf64, tfc, out=tfc)
    del tf64
    weight64 = idf[tok].astype(np.float64)
    weight64 *= tfc
    del tfc
    weight = weight64.astype(np.float32)
    del weight64
    order = np.argsort(tok, kind="stable")
    indptr = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
    return indptr, doc[order], weight[order]


class Lexical:
    """A BM25 index over a fixed list of token lists; rebuilt by the owner when docs change."""

    def __init__(self, corpus: list[list[str]]) -> None:
        self.size = len(corpus)
        self._vocab: dict[str, int] = {}
        # Each document's token ids (the index's own, in text order), for ranking it as a
        # query without looking its tokens up again: a digest ranks every document. int32:
        # 10,000 entries hold about 2.6 million.
        self._doc_ptr = np.zeros(self.size + 1, dtype=np.int64)
        self._doc_ids = np.zeros(0, dtype=np.int32)
        # Token x document BM25 weights: rare tokens as postings, frequent ones dense.
        self._weights: Postings | None = None
        # Each token's row of the dense matrix, -1 for a token kept as postings.
        self._dense_of = np.zeros(0, dtype=np.int64)
        self._dense = np.zeros((0, self.size), dtype=np.float64)
        if corpus and any(corpus):
            vocab: dict[str, int] = {}
            lengths = np.array([len(doc) for doc in corpus], dtype=np.int64)
            self._doc_ptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
            self._doc_ids = np.array(
                [vocab.setdefault(t, len(vocab)) for doc in corpus for t in doc], dtype=np.int32
            )
            flat = self._doc_ids
            empty = lengths == 0
            if empty.any():
                # As bm25s needs: an empty document holds one placeholder token.
                mark = vocab.setdefault("\x00", len(vocab))
                flat = np.insert(flat, self._doc_ptr[:-1][empty], mark).astype(np.int32)
            width = len(vocab)
            indptr, rows, data = _bm25(flat, np.maximum(lengths, 1), width)
            del flat
            self._vocab = vocab
            df = np.diff(indptr)
            frequent = np.argsort(-df, kind="stable")[:DENSE_MAX]
            frequent = np.sort(frequent[df[frequent] >= max(2, DENSE_SHARE * self.size)])
            self._dense = np.zeros((len(frequent), self.size), dtype=np.float64)
            self._dense_of = np.full(width, -1, dtype=np.int64)
            for f, j in enumerate(frequent.tolist()):
                self._dense[f, rows[indptr[j] : indptr[j + 1]]] = data[indptr[j] : indptr[j + 1]]
                self._dense_of[j] = f
            keep = np.ones(len(rows), dtype=bool)
            for j in frequent.tolist():
                keep[indptr[j] : indptr[j + 1]] = False
            sparse_df = np.where(self._dense_of >= 0, 0, df)
            sparse_ptr = np.concatenate(([0], np.cumsum(sparse_df))).astype(np.int64)
            self._weights = Postings(
                sparse_ptr, rows[keep], data[keep].astype(np.float64), self.size
            )

    def token_ids(self, query: list[str]) -> I32:
        """The index's ids of ``query``'s tokens that it knows, in order."""
        get = self._vocab.get
        return np.array([j for j in map(get, query) if j is not None], dtype=np.int32)

    def doc_ids(self, row: int) -> I32:
        """token_ids of the index's own document ``row``, as stored."""
        return self._doc_ids[self._doc_ptr[row] : self._doc_ptr[row + 1]]

    def scores(self, query: list[str]) -> NDArray[np.float32]:
        """BM25 score of every document for ``query``, in corpus order."""
        row: NDArray[np.float32] = self.scores_many([query])[0]
        return row

    def scores_many(self, queries: list[list[str]]) -> NDArray[np.float32]:
        """BM25 scores (queries x documents); a token counts as often as a query has it."""
        return self.scores_of_ids([self.token_ids(q) for q in queries])

    def scores_of_ids(self, queries: list[I32]) -> NDArray[np.float32]:
        """scores_many of queries given as token ids (token_ids, doc_ids)."""
        out = np.zeros((len(queries), self.size), dtype=np.float32)
        if self._weights is None:
            return out
        for start in range(0, len(queries), DENSE_ROWS):
            block = queries[start : start + DENSE_ROWS]
            cols = (np.concatenate(block) if block else np.zeros(0, dtype=np.int32)).astype(
                np.int64
            )
            rows = np.repeat(np.arange(len(block)), [len(q) for q in block])
            where = self._dense_of[cols]
            sparse = where < 0
            width = len(self._dense)
            # Token counts per query: exact small integers, however they are summed.
            counts = np.bincount(
                rows[~sparse] * width + where[~sparse], minlength=DENSE_ROWS * width
            ).astype(np.float64)
            rare = Sparse(
                rows[sparse], cols[sparse], np.ones(int(sparse.sum())),
                (len(block), self._weights.n_cols),
            )  # fmt: skip
            dense = (counts.reshape(DENSE_ROWS, width) @ self._dense)[: len(block)]
            out[start : start + len(block)] = self._weights.dot(rare) + dense
        return out
