"""The pool's entries as matrices: vectors, one sentence block, and sparse item matrices.

Built once per snapshot of the pool (with the BM25 index), so that ranking many
queries computes each feature for a whole block of candidates with numpy instead
of one set or dict operation per pair.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

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


def _items(doc: Doc, kind: str) -> Collection[str]:
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


def _flat(docs: Sequence[Doc], kind: str) -> tuple[list[str], I64]:
    """Every doc's items of ``kind`` in one list (docs in order), and each doc's count."""
    per_doc = [_items(d, kind) for d in docs]
    counts = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
    return list(chain.from_iterable(per_doc)), counts


def _weights(rarity: Rarity, kind: str, items: list[str]) -> F64:
    """Vocab.weights of ``items``: Rarity.facts asked once per distinct count.

    Whether an item is common and its idf depend on its count alone, and tens of thousands
    of terms share a few dozen counts: asking for every item took most of a table's build.
    """
    counts = rarity.counts.get(kind, {})
    n = np.fromiter(map(counts.get, items, repeat(0)), dtype=np.int64, count=len(items))
    _counts, first, inverse = np.unique(n, return_index=True, return_inverse=True)
    per_count = [rarity.facts(kind, items[i]) for i in first.tolist()]
    if kind in WEIGHTED:
        w = [0.0 if common else idf for common, idf in per_count]
    else:
        w = [0.0 if common else 1.0 for common, _idf in per_count]
    out: F64 = np.array(w, dtype=np.float64)[inverse.reshape(-1)]
    return out


@dataclass(frozen=True)
class Vocab:
    """Column numbers of every item, per kind, and the rarity the weights come from.

    ``weights``: per weighted kind, each column's weight (Vocab.weight); per counted kind,
    1 for an uncommon item and 0 for a common one. Worked out once per distinct item, so
    that a table or a block of queries looks its items' weights up as arrays.
    """

    rarity: Rarity
    columns: dict[str, dict[str, int]]
    weights: dict[str, F64] = field(default_factory=dict, compare=False, repr=False)
    # The weighted kinds' weights as Python floats, for norm's sum (one query at a time).
    _weight_list: dict[str, list[float]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, docs: Sequence[Doc], rarity: Rarity) -> Vocab:
        columns: dict[str, dict[str, int]] = {}
        weights: dict[str, F64] = {}
        for kind in (*COUNTED, *WEIGHTED):
            # Columns in the order items are first seen, as one dict.fromkeys pass makes them.
            seen = dict.fromkeys(chain.from_iterable(_items(d, kind) for d in docs))
            columns[kind] = {x: j for j, x in enumerate(seen)}
            weights[kind] = _weights(rarity, kind, list(seen))
        needs = dict.fromkeys(n.need for d in docs for n in d.needs)
        columns["need"] = {x: j for j, x in enumerate(needs)}
        return cls(rarity, columns, weights, {k: weights[k].tolist() for k in WEIGHTED})

    def weight(self, kind: str, item: str) -> float:
        """An item's weight in the weighted cosine: its idf, or 0 for a common item."""
        common, idf = self.rarity.facts(kind, item)
        return 0.0 if common else idf

    def norm(self, doc: Doc, kind: str) -> float:
        """The length of a doc's weighted item vector (items outside the vocabulary too)."""
        col, w = self.columns[kind], self._weight_list.get(kind)
        if w is None:  # a counted kind: its column values are not its weights
            return math.sqrt(sum(self.weight(kind, x) ** 2 for x in _items(doc, kind)))
        return math.sqrt(
            sum(
                (w[j] if (j := col.get(x)) is not None else self.weight(kind, x)) ** 2
                for x in _items(doc, kind)
            )
        )

    def column_of(self, kind: str, items: list[str]) -> I64:
        """The column of each item (-1 for one not in the vocabulary)."""
        get = self.columns[kind].get
        return np.fromiter(map(get, items, repeat(-1)), dtype=np.int64, count=len(items))

    def queries(self, docs: Sequence[Doc]) -> dict[str, Sparse]:
        """Queries' item vectors as sparse rows per kind: uncommon counted items (1),
        weighted ones (idf), and the needs they seek and offer."""
        out: dict[str, Sparse] = {}
        for kind in (*COUNTED, *WEIGHTED):
            flat, counts = _flat(docs, kind)
            cols = self.column_of(kind, flat)
            rows = np.repeat(np.arange(len(docs), dtype=np.int64), counts)
            known = cols >= 0
            rows, cols = rows[known], cols[known]
            vals = self.weights[kind][cols]
            keep = vals != 0
            out[kind] = Sparse(
                rows[keep], cols[keep], vals[keep], (len(docs), len(self.columns[kind]))
            )
        for kind in ("seek", "offer"):
            out[kind] = _need_rows(docs, kind, self.columns["need"])
        return out


def _need_rows(docs: Sequence[Doc], kind: str, col: dict[str, int]) -> Sparse:
    """The needs each doc seeks or offers, as 1s in the need columns."""
    pairs = [(r, col[x]) for r, d in enumerate(docs) for x in _needs(d, kind) if x in col]
    return Sparse.of(
        [p[0] for p in pairs], [p[1] for p in pairs], [1.0] * len(pairs), (len(docs), len(col))
    )


# Rows of the sentence block converted at a time to compute their norms (4 MB of float32).
NORM_ROWS = 2048
# A float16's exponent bits: all set for inf and nan.
_HALF_EXP = 0x7C00
# A float16's sign, exponent and mantissa bits, shifted to a float32's places (0x8FFFE000).
_HALF_BITS = np.int32(-0x70002000)
# 2^112: the distance between float16's exponent bias (15) and float32's (127).
_HALF_SCALE = np.float32(2.0**112)


def half_to_float32(bits: NDArray[np.int16]) -> F32:
    """Finite float16 values, given as their bits, as float32: what ``astype`` gives.

    numpy converts float16 one element at a time (about 1.7 ns each here), which made a
    float16 sentence block too slow to read for every ranked query. A half's bits shifted
    into a float32's places are a float32 of the same digits, the value times 2^-112 (a
    subnormal half becomes a subnormal float32), so one multiplication by 2^112 makes it
    exact. Four vectorised passes, as fast as gathering float32 rows from a block twice
    the size. Not for inf or nan (they would come out finite): DocTable checks its block.
    """
    out = bits.astype(np.int32)  # sign-extended: a negative half sets bit 31
    out <<= 13
    out &= _HALF_BITS
    f: F32 = out.view(np.float32)
    f *= _HALF_SCALE
    return f


def _row_norms(sentences: NDArray[Any]) -> tuple[F32, bool]:
    """Every row's norm (as np.linalg.norm of the float32 rows), and whether all values are
    finite; NORM_ROWS rows at a time, so that no copy of the whole block is made."""
    out = np.zeros(len(sentences), dtype=np.float32)
    finite = True
    for a in range(0, len(sentences), NORM_ROWS):
        part = sentences[a : a + NORM_ROWS]
        if part.dtype == np.float16:
            bits = part.view(np.int16)
            finite = finite and not bool(((bits & _HALF_EXP) == _HALF_EXP).any())
            part = half_to_float32(bits) if finite else part.astype(np.float32)
        out[a : a + NORM_ROWS] = np.linalg.norm(part, axis=1)
    return out, finite


@dataclass(frozen=True)
class DocTable:
    """Entries in row order: what batch ranking reads for a block of candidate rows."""

    docs: list[Doc]
    ids: I64
    vectors: F32
    # All sentence vectors, one block for the pool; rows ``offsets[r]:offsets[r + 1]`` are
    # entry r's. float16 as stored (31 MB at 10,000 entries, half of float32), float32 only
    # when some doc's are (a query's own, which a float16 copy would round); sentence_rows
    # gives float32 either way.
    sentences: NDArray[Any]
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
    # Whether sentence_rows may convert float16 rows by their bits (half_to_float32).
    _by_bits: bool = field(default=False, compare=False, repr=False)

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
        half = all(b.dtype == np.float16 for b in blocks)
        sentences = np.empty((int(offsets[-1]), dim), dtype=np.float16 if half else np.float32)
        if blocks:
            np.concatenate(blocks, axis=0, out=sentences)
        del blocks
        norms_all, finite = _row_norms(sentences)
        sentence_norm = np.zeros(n)
        has = counts > 0
        if has.any():
            sentence_norm[has] = np.maximum.reduceat(norms_all, offsets[:-1][has])
        items: dict[str, Postings] = {}
        norms: dict[str, F64] = {}
        for kind in (*COUNTED, *WEIGHTED):
            flat, per_doc = _flat(docs, kind)
            cols = vocab.column_of(kind, flat)
            rows = np.repeat(np.arange(n, dtype=np.int64), per_doc)
            known = cols >= 0
            rows, cols = rows[known], cols[known]
            # A table counts every item it shares, common ones too (a query leaves them out).
            vals = vocab.weights[kind][cols] if kind in WEIGHTED else np.ones(len(cols))
            keep = vals != 0
            m = Sparse(rows[keep], cols[keep], vals[keep], (n, len(vocab.columns[kind])))
            items[kind] = Postings.of(m)
            if kind in WEIGHTED:
                # Every item of a row is in the vocabulary, so its norm is the row's.
                norms[kind] = np.sqrt(m.row_squares())
        for kind in ("seek", "offer"):
            items[kind] = Postings.of(_need_rows(docs, kind, vocab.columns["need"]))
        codes: dict[str, int] = {}
        user_code = np.array([codes.setdefault("u:" + d.user_id, len(codes)) for d in docs])
        org_code = np.array([codes.setdefault("o:" + d.org, len(codes)) for d in docs])
        return cls(
            docs, np.array([d.entry_id for d in docs], dtype=np.int64), vectors, sentences,
            offsets, sentence_norm, items, norms, codes, user_code.astype(np.int64),
            org_code.astype(np.int64), np.array([d.listed for d in docs], dtype=bool),
            _by_bits=half and finite,
        )  # fmt: skip

    def share_sentences(self) -> None:
        """Point every doc's vector and sentence vectors at its rows of the table.

        The pool's docs then hold no copy of their own: the block is the only one. The
        values are the same (copied as they were, or float16 to float32, which is exact);
        a doc not in a later snapshot keeps its rows of this block alive until it is dropped.
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
        if self._by_bits:
            return half_to_float32(self.sentences.view(np.int16)[index]), counts
        out: F32 = self.sentences[index].astype(np.float32, copy=False)
        return out, counts
