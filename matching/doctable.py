"""The pool's entries as matrices: vectors, one sentence block, and sparse item matrices.

Built once per snapshot of the pool (with the BM25 index), so that ranking many
queries computes each feature for a whole block of candidates with numpy instead
of one set or dict operation per pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from matching.doc import Doc
from matching.postings import Postings, Sparse
from matching.terms import Rarity

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

# The item kinds matched by a rarity-weighted cosine (Rarity.overlap and the terms signal).
WEIGHTED = ("theme", "term")
# Those matched by a count of shared items (scoring.set_overlap).
COUNTED = ("group", "tool")


def _items(doc: Doc, kind: str) -> Iterable[str]:
    if kind == "group":
        return doc.groups
    if kind == "tool":
        return doc.tools
    if kind == "theme":
        return doc.themes
    return doc.terms.keys()


def _needs(doc: Doc, kind: str) -> set[str]:
    # Anyone looking for partners is one: need_matches ignores that need, and so does the filter.
    return {n.need for n in doc.needs if n.kind == kind and n.need != "partners"}


@dataclass(frozen=True)
class Vocab:
    """Column numbers of every item, per kind, and the rarity the weights come from."""

    rarity: Rarity
    columns: dict[str, dict[str, int]]

    @classmethod
    def build(cls, docs: Sequence[Doc], rarity: Rarity) -> Vocab:
        columns: dict[str, dict[str, int]] = {}
        for kind in (*COUNTED, *WEIGHTED):
            col = columns.setdefault(kind, {})
            for d in docs:
                for x in _items(d, kind):
                    col.setdefault(x, len(col))
        need = columns.setdefault("need", {})
        for d in docs:
            for n in d.needs:
                need.setdefault(n.need, len(need))
        return cls(rarity, columns)

    def weight(self, kind: str, item: str) -> float:
        """An item's weight in the weighted cosine: its idf, or 0 for a common item."""
        common, idf = self.rarity.facts(kind, item)
        return 0.0 if common else idf

    def norm(self, doc: Doc, kind: str) -> float:
        return math.sqrt(sum(self.weight(kind, x) ** 2 for x in _items(doc, kind)))

    def queries(self, docs: Sequence[Doc]) -> dict[str, Sparse]:
        """Queries' item vectors as sparse rows per kind: uncommon counted items (1),
        weighted ones (idf), and the needs they seek and offer."""
        out: dict[str, Sparse] = {}
        for kind in (*COUNTED, *WEIGHTED, "seek", "offer"):
            col = self.columns["need" if kind in ("seek", "offer") else kind]
            rows, cols, vals = [], [], []
            for r, d in enumerate(docs):
                found = _needs(d, kind) if kind in ("seek", "offer") else _items(d, kind)
                for x in found:
                    j = col.get(x)
                    if j is None:
                        continue
                    if kind in WEIGHTED:
                        w = self.weight(kind, x)
                    elif kind in COUNTED:
                        w = 0.0 if self.rarity.common(kind, x) else 1.0
                    else:
                        w = 1.0
                    if w:
                        rows.append(r)
                        cols.append(j)
                        vals.append(w)
            out[kind] = Sparse.of(rows, cols, vals, (len(docs), len(col)))
        return out


@dataclass(frozen=True)
class DocTable:
    """Entries in row order: what batch ranking reads for a block of candidate rows."""

    docs: list[Doc]
    ids: I64
    vectors: F32
    # All sentence vectors, one float32 block for the pool; rows ``offsets[r]:offsets[r + 1]``
    # are entry r's. float32 because converting candidates' float16 rows for every query
    # took a third of the sentence alignment; see share_sentences for the memory.
    sentences: F32
    offsets: I64
    # Per entry: the largest norm of its sentence vectors (bounds any sentence similarity).
    sentence_norm: F64
    items: dict[str, Postings]
    norms: dict[str, F64]
    # Owner, organisation key and consent per row, as codes, to filter candidates at once.
    codes: dict[str, int]
    user_code: I64
    org_code: I64
    listed: NDArray[np.bool_]
    _rows_of: tuple[I64, I64] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(cls, docs: Sequence[Doc], vocab: Vocab, dim: int) -> DocTable:
        docs = list(docs)
        n = len(docs)
        vectors = (
            np.vstack([d.vector for d in docs]).astype(np.float32, copy=False)
            if docs
            else np.zeros((0, dim), dtype=np.float32)
        )
        counts = np.array([len(d.sentence_vectors) for d in docs], dtype=np.int64)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        blocks = [d.sentence_vectors for d in docs if len(d.sentence_vectors)]
        sentences = (
            np.vstack(blocks).astype(np.float32, copy=False)
            if blocks
            else np.zeros((0, dim), dtype=np.float32)
        )
        norms_all = np.linalg.norm(sentences, axis=1) if len(sentences) else np.zeros(0)
        sentence_norm = np.zeros(n)
        has = counts > 0
        if has.any():
            sentence_norm[has] = np.maximum.reduceat(norms_all, offsets[:-1][has])
        items: dict[str, Postings] = {}
        norms: dict[str, F64] = {}
        for kind in (*COUNTED, *WEIGHTED):
            col = vocab.columns[kind]
            rows, cols, vals = [], [], []
            for r, d in enumerate(docs):
                for x in _items(d, kind):
                    j = col.get(x)
                    w = 1.0 if kind in COUNTED else vocab.weight(kind, x)
                    if j is not None and w:
                        rows.append(r)
                        cols.append(j)
                        vals.append(w)
            m = Sparse.of(rows, cols, vals, (n, len(col)))
            items[kind] = Postings.of(m)
            if kind in WEIGHTED:
                # Every item of a row is in the vocabulary, so its norm is the row's.
                norms[kind] = np.sqrt(m.row_squares())
        for kind in ("seek", "offer"):
            col = vocab.columns["need"]
            pairs = [(r, col[x]) for r, d in enumerate(docs) for x in _needs(d, kind) if x in col]
            items[kind] = Postings.of(
                Sparse.of([p[0] for p in pairs], [p[1] for p in pairs], [1.0] * len(pairs),
                          (n, len(col)))
            )  # fmt: skip
        codes: dict[str, int] = {}
        user_code = np.array([codes.setdefault("u:" + d.user_id, len(codes)) for d in docs])
        org_code = np.array([codes.setdefault("o:" + d.org, len(codes)) for d in docs])
        return cls(
            docs, np.array([d.entry_id for d in docs], dtype=np.int64), vectors, sentences,
            offsets, sentence_norm, items, norms, codes, user_code.astype(np.int64),
            org_code.astype(np.int64), np.array([d.listed for d in docs], dtype=bool),
        )  # fmt: skip

    def share_sentences(self) -> None:
        """Point every doc's vector and sentence vectors at its rows of the table.

        The pool's docs then hold no copy of their own: the block is the only one, so the
        float32 block costs what the docs' float16 arrays and a float16 block did. The
        values are the same (float16 to float32 is exact); a doc not in a later snapshot
        keeps its rows of this block alive until it is dropped.
        """
        for d, row in zip(self.docs, self.vectors, strict=True):
            d.vector = row
        for d, start, end in zip(
            self.docs, self.offsets[:-1].tolist(), self.offsets[1:].tolist(), strict=True
        ):
            if end > start:
                d.sentence_vectors = self.sentences[start:end]

    def rows_of_code(self, code: int) -> I64:
        """The rows of one owner or organisation code (DocTable.code)."""
        if self._rows_of is None:
            # Users and organisations share one code space; rows grouped by code once.
            both = np.concatenate([self.user_code, self.org_code])
            order = np.argsort(both, kind="stable")
            bounds = np.searchsorted(both[order], np.arange(len(self.codes) + 1))
            object.__setattr__(self, "_rows_of", (order % max(len(self.docs), 1), bounds))
        assert self._rows_of is not None
        order, bounds = self._rows_of
        return order[bounds[code] : bounds[code + 1]]

    def code(self, prefix: str, names: Iterable[str]) -> I64:
        """The codes of known users ("u") or organisation keys ("o"); unknown ones left out."""
        found = [self.codes.get(f"{prefix}:{x}") for x in names]
        return np.array([c for c in found if c is not None], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.docs)

    def sentence_rows(self, rows: I64) -> tuple[F32, I64]:
        """The sentence vectors of ``rows`` (one block) and each row's count."""
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros((0, self.sentences.shape[1]), dtype=np.float32), counts
        first = np.repeat(starts - np.cumsum(counts) + counts, counts)
        index = first + np.arange(total)
        return self.sentences[index], counts
