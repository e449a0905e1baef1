"""Lexical side of the hybrid score: BM25 (bm25s's weights) over character 4-grams of content words.

German compounds are why: "Wohnungslosenhilfe", "wohnungslose Menschen" and
"Obdachlosenunterkunft" share no whole word, but share 4-grams; stems miss
them. On both evaluation sets 4-grams beat Snowball stems (BENCHMARKS.md).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from itertools import pairwise

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


# Tokens per step of the index build (whole documents). At 10,000 entries (2.6 million
# tokens) its temporaries are 6 MB, 11 MB at twice this; all documents at once took 72 MB
# above the rest of the snapshot, the peak of a start's memory. Steps this small were no
# slower (0.7-0.9 s; 1.5-1.8 s in one step).
STEP_TOKENS = 1 << 16

# bm25s's defaults (its Lucene variant), which the weights below reproduce.
K1 = 1.5
B = 0.75


class Tokens:
    """Every token this process has seen, numbered in order of first sight.

    Docs keep their tokens as these numbers: 4 bytes a token instead of an 8-byte pointer
    in a list (10,000 entries hold 2.6 million tokens of 17,000 distinct ones), and a
    BM25 index maps them to its own columns with one array lookup. The table only grows,
    with the distinct 4-grams of the texts seen, which are few.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def encode(self, toks: Iterable[str]) -> I32:
        """The numbers of ``toks``, in order; a token not seen before gets the next one."""
        toks = list(toks)
        ids = self.ids
        try:
            return np.array([ids[t] for t in toks], dtype=np.int32)
        except KeyError:
            # Two workspaces' syncs may number new tokens at once: under a lock, no number
            # is handed out twice.
            with self._lock:
                return np.array([ids.setdefault(t, len(ids)) for t in toks], dtype=np.int32)

    def known(self, toks: Iterable[str]) -> I32:
        """The numbers of those of ``toks`` seen before, in order (nothing is added)."""
        get = self.ids.get
        return np.array([j for j in map(get, toks) if j is not None], dtype=np.int32)


TOKENS = Tokens()


def _pairs(flat: I32, lengths: I64, width: int) -> tuple[I64, I64, I64]:
    """The distinct (document, column) pairs of consecutive documents, document-major, and
    how often each occurs; ``flat`` holds the documents' columns in order."""
    key = np.repeat(np.arange(len(lengths), dtype=np.int64) * width, lengths)
    key += flat
    key, tf = np.unique(key, return_counts=True)
    doc, tok = np.divmod(key, width)
    return doc, tok, tf


def _idf(df: I64, n: int) -> NDArray[np.float32]:
    return np.array(
        [math.log(1 + (n - x + 0.5) / (x + 0.5)) if x else 0.0 for x in df.tolist()],
        dtype=np.float32,
    )


def _weigh(
    doc: I64, tok: I64, tf: I64, lengths: I64, avg: float, idf: NDArray[np.float32]
) -> NDArray[np.float32]:
    """The BM25 weight of each pair (_pairs; ``lengths`` and ``doc`` of the same documents).

    bm25s's order of operations: the tf part in float64 against numpy's float64 mean length
    of all documents, the idf by math.log, their product rounded to float32. Element by
    element, so that a pair's weight does not depend on which others are weighed with it.
    """
    tf64 = tf.astype(np.float32).astype(np.float64)
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
    return weight64.astype(np.float32)


def _bm25(
    flat: NDArray[np.int32], lengths: I64, width: int
) -> tuple[I64, I64, NDArray[np.float32]]:
    """BM25 weights of every (token, document), by token (CSC: pointers, documents, weights),
    from every document's columns in order (``flat``) and their counts (each at least 1).

    The weights bm25s computes, to the bit (a test compares them), with numpy over all
    documents at once instead of a Counter per document. Lexical builds the same weights
    in steps of documents (a test compares it with this).
    """
    avg = float(lengths.mean())
    doc, tok, tf = _pairs(flat, lengths, width)
    df = np.bincount(tok, minlength=width)
    weight = _weigh(doc, tok, tf, lengths, avg, _idf(df, len(lengths)))
    order = np.argsort(tok, kind="stable")
    indptr = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
    return indptr, doc[order], weight[order]


class Lexical:
    """A BM25 index over a fixed list of documents, each given as its token numbers (TOKENS);
    rebuilt by the owner when docs change."""

    def __init__(self, docs: Sequence[I32]) -> None:
        self.size = len(docs)
        # The documents' token numbers, as given (the docs' own arrays, not a copy).
        self._docs = list(docs)
        # Each token number's column in the index (-1: no document has it). Columns are
        # numbered in the order the documents first have them, as a vocabulary dict built
        # over the token lists numbered them, so that sums run in the same order.
        self._column = np.zeros(0, dtype=np.int32)
        # Token x document BM25 weights: rare tokens as postings, frequent ones dense.
        self._weights: Postings | None = None
        # Each column's row of the dense matrix, -1 for a token kept as postings.
        self._dense_of = np.zeros(0, dtype=np.int64)
        self._dense = np.zeros((0, self.size), dtype=np.float64)
        lengths = np.fromiter(map(len, self._docs), dtype=np.int64, count=self.size)
        if lengths.any():
            self._build(lengths)

    @classmethod
    def of_tokens(cls, corpus: Sequence[list[str]]) -> Lexical:
        """The index over token lists (matching.lexical.tokens)."""
        return cls([TOKENS.encode(doc) for doc in corpus])

    def _steps(self, lengths: I64) -> list[tuple[int, int]]:
        """Ranges of whole documents of about STEP_TOKENS tokens each."""
        ends = np.searchsorted(
            np.cumsum(lengths), np.arange(STEP_TOKENS, int(lengths.sum()), STEP_TOKENS)
        )
        cuts = sorted({0, *(ends + 1).tolist(), self.size})
        return [(a, b) for a, b in pairwise(cuts) if a < b]

    def _flat(self, a: int, b: int, mark: int) -> I32:
        """Documents a..b's columns in order; an empty one holds one placeholder (``mark``)."""
        docs = self._docs[a:b]
        flat: I32 = self._column[np.concatenate(docs)] if docs else np.zeros(0, np.int32)
        sizes = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        empty = sizes == 0
        if empty.any():
            # As bm25s needs: an empty document holds one placeholder token.
            starts = np.cumsum(sizes) - sizes
            flat = np.insert(flat, starts[empty], mark).astype(np.int32)
        return flat

    def _number(self, steps: list[tuple[int, int]], empty: bool) -> tuple[int, int]:
        """Numbers the columns (self._column); the number of columns and the placeholder's."""
        never = np.iinfo(np.int64).max
        first = np.full(len(TOKENS), never, dtype=np.int64)
        at = 0
        for a, b in steps:
            flat = np.concatenate(self._docs[a:b])
            if flat.size and int(flat.max()) >= len(first):
                first = np.concatenate((first, np.full(int(flat.max()) + 1 - len(first), never)))
            np.minimum.at(first, flat, np.arange(at, at + len(flat)))
            at += len(flat)
        seen = np.flatnonzero(first != never)
        seen = seen[np.argsort(first[seen])]
        self._column = np.full(len(first), -1, dtype=np.int32)
        self._column[seen] = np.arange(len(seen), dtype=np.int32)
        width, mark = len(seen), -1
        if empty:
            # The placeholder is a column like any token ("\x00" in a query finds it).
            (g,) = TOKENS.encode(["\x00"]).tolist()
            if g >= len(self._column):
                self._column = np.concatenate(
                    (self._column, np.full(g + 1 - len(self._column), -1, dtype=np.int32))
                )
            if self._column[g] < 0:
                self._column[g], width = width, width + 1
            mark = int(self._column[g])
        return width, mark

    def _build(self, lengths: I64) -> None:
        """The weights (_bm25's, to the bit) in steps of documents: two passes, the first
        counting each token's documents, the second weighing and placing every pair. No
        array of all pairs, and no copy of the weights by token, is ever made."""
        steps = self._steps(lengths)
        width, mark = self._number(steps, bool((lengths == 0).any()))
        lengths = np.maximum(lengths, 1)
        avg = float(lengths.mean())
        df = np.zeros(width, dtype=np.int64)
        for a, b in steps:
            _doc, tok, _tf = _pairs(self._flat(a, b, mark), lengths[a:b], width)
            df += np.bincount(tok, minlength=width)
        idf = _idf(df, self.size)
        frequent = np.argsort(-df, kind="stable")[:DENSE_MAX]
        frequent = np.sort(frequent[df[frequent] >= max(2, DENSE_SHARE * self.size)])
        self._dense = np.zeros((len(frequent), self.size), dtype=np.float64)
        self._dense_of = np.full(width, -1, dtype=np.int64)
        self._dense_of[frequent] = np.arange(len(frequent))
        sparse_df = np.where(self._dense_of >= 0, 0, df)
        sparse_ptr = np.concatenate(([0], np.cumsum(sparse_df))).astype(np.int64)
        rows = np.empty(int(sparse_ptr[-1]), dtype=np.int64)
        vals = np.empty(int(sparse_ptr[-1]), dtype=np.float64)
        # Where each token's next posting goes: a token's documents in ascending order.
        fill = sparse_ptr[:-1].copy()
        for a, b in steps:
            doc, tok, tf = _pairs(self._flat(a, b, mark), lengths[a:b], width)
            weight = _weigh(doc, tok, tf, lengths[a:b], avg, idf)
            doc += a
            where = self._dense_of[tok]
            dense = where >= 0
            self._dense[where[dense], doc[dense]] = weight[dense]
            sparse = ~dense
            tok, doc, weight = tok[sparse], doc[sparse], weight[sparse]
            order = np.argsort(tok, kind="stable")
            tok = tok[order]
            at = fill[tok] + np.arange(len(tok)) - np.searchsorted(tok, tok)
            rows[at] = doc[order]
            vals[at] = weight[order]
            fill += np.bincount(tok, minlength=width)
        self._weights = Postings(sparse_ptr, rows, vals, self.size)

    def ids_of(self, doc: I32) -> I32:
        """The index's columns of the token numbers ``doc`` that it knows, in order."""
        column = self._column
        cols = column[doc[doc < len(column)]]
        out: I32 = cols[cols >= 0]
        return out

    def token_ids(self, query: list[str]) -> I32:
        """The index's columns of ``query``'s tokens that it knows, in order."""
        return self.ids_of(TOKENS.known(query))

    def doc_ids(self, row: int) -> I32:
        """token_ids of the index's own document ``row``."""
        return self.ids_of(self._docs[row])

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
