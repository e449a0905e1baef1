"""A sparse item x row matrix stored by item (postings), and its product with sparse queries.

numpy only: scipy would add about 145 MB to the default install for this one product.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
# Postings gathered per step of a product: bounds the temporary arrays (~40 bytes each).
STEP = 1_000_000
# Output values per step (queries x rows): 256 KB of float64, which stays in the CPU cache.
BINS = 32_768
# A query with this many postings per row of the matrix gets a step of its own
# (BM25 queries at 10,000 entries have about five).
ALONE = 2
# Mean postings per query entry from which a product copies whole postings slices.
GATHER_BY_SLICES = 32


@dataclass(frozen=True)
class Sparse:
    """``(row, column, value)`` triples of a sparse matrix (queries, or a table's rows)."""

    rows: I64
    cols: I64
    vals: F64
    shape: tuple[int, int]

    @classmethod
    def of(
        cls, rows: list[int], cols: list[int], vals: list[float], shape: tuple[int, int]
    ) -> Sparse:
        return cls(
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.asarray(vals, dtype=np.float64),
            shape,
        )

    def row_squares(self) -> F64:
        """The sum of squared values of every row."""
        out: F64 = np.bincount(self.rows, weights=self.vals**2, minlength=self.shape[0]).astype(
            np.float64
        )
        return out


@dataclass(frozen=True)
class Postings:
    """For every column (item), the rows that have it and the value there."""

    indptr: I64
    rows: I64
    vals: F64
    n_rows: int

    @classmethod
    def of(cls, m: Sparse) -> Postings:
        order = np.lexsort((m.rows, m.cols))
        indptr = np.zeros(m.shape[1] + 1, dtype=np.int64)
        np.cumsum(np.bincount(m.cols, minlength=m.shape[1]), out=indptr[1:])
        return cls(indptr, m.rows[order], m.vals[order], m.shape[0])

    @classmethod
    def from_csc(cls, indptr: I64, rows: I64, vals: F64, n_rows: int) -> Postings:
        return cls(np.asarray(indptr, dtype=np.int64), np.asarray(rows, dtype=np.int64),
                   np.asarray(vals, dtype=np.float64), n_rows)  # fmt: skip

    @property
    def n_cols(self) -> int:
        return len(self.indptr) - 1

    def dot(self, q: Sparse) -> F64:
        """``q @ self`` as a dense (queries x rows) array; duplicate query entries add up.

        ``q``'s entries must be in row order. Work is split at query boundaries (a query
        with more postings than a step on its own is split by its own entries only), so a
        query's scores do not depend on the other queries of the batch, to the last bit.
        A step's sums also fit in the CPU cache (BINS): one bin array for 64 queries of a
        10,000-entry pool did not, and cost more than the sums themselves.
        """
        out = np.zeros((q.shape[0], self.n_rows))
        keep = q.cols < self.n_cols
        qr, qc, qv = q.rows[keep], q.cols[keep], q.vals[keep]
        counts = self.indptr[qc + 1] - self.indptr[qc]
        per_query = np.bincount(qr, weights=counts, minlength=q.shape[0])
        bounds = np.searchsorted(qr, np.arange(q.shape[0] + 1))
        per_step = max(1, BINS // max(self.n_rows, 1))
        i = 0
        while i < q.shape[0]:
            j, total = i + 1, per_query[i]
            # A query with many postings per row (ALONE) goes alone: its own bins need no
            # offsets, which cost more than the bins at BM25's sizes.
            while (
                j < min(q.shape[0], i + per_step)
                and total + per_query[j] <= STEP
                and max(total, per_query[j]) < ALONE * self.n_rows
            ):
                total += per_query[j]
                j += 1
            lo, hi = int(bounds[i]), int(bounds[j])
            if total <= STEP:
                self._add(out, qr[lo:hi], qc[lo:hi], qv[lo:hi])
            else:
                local = np.cumsum(counts[lo:hi])
                cuts = [0, *np.searchsorted(local, np.arange(STEP, total, STEP)).tolist(), hi - lo]
                for a, b in pairwise(cuts):
                    if b > a:
                        self._add(
                            out, qr[lo + a : lo + b], qc[lo + a : lo + b], qv[lo + a : lo + b]
                        )
            i = j
        return out

    def _add(self, out: F64, qr: I64, qc: I64, qv: F64) -> None:
        starts = self.indptr[qc]
        c = self.indptr[qc + 1] - starts
        total = int(c.sum())
        if not total:
            return
        if total >= GATHER_BY_SLICES * len(qc):
            # Long postings: copying whole slices beats an index array built per posting.
            spans = zip(starts.tolist(), (starts + c).tolist(), strict=True)
            picked = [(a, b) for a, b in spans if b > a]
            rows = np.concatenate([self.rows[a:b] for a, b in picked])
            vals = np.concatenate([self.vals[a:b] for a, b in picked])
        else:
            idx = np.repeat(starts - np.cumsum(c) + c, c)
            idx += np.arange(total)
            rows, vals = self.rows[idx], self.vals[idx]
        if not bool((qv == 1.0).all()):
            vals = np.repeat(qv, c) * vals
        first = int(qr[0])
        span = int(qr[-1]) - first + 1
        if span > 1:
            rows = np.repeat(qr - first, c) * self.n_rows + rows
        part = np.bincount(rows, weights=vals, minlength=span * self.n_rows)
        out[first : first + span] += part.reshape(span, self.n_rows)
