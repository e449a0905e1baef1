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

        ``q``'s entries must be in row order. Query by query: its postings gathered into one
        array and summed by row into a bin array the size of one output row, which stays in
        the CPU cache (one bin array for a whole block of queries did not, and cost about
        twice as much at 10,000 rows); and a query's scores cannot depend on the others'.
        """
        out = np.zeros((q.shape[0], self.n_rows))
        keep = q.cols < self.n_cols
        qr, qc, qv = q.rows[keep], q.cols[keep], q.vals[keep]
        bounds = np.searchsorted(qr, np.arange(q.shape[0] + 1)).tolist()
        starts = self.indptr[qc].tolist()
        ends = self.indptr[qc + 1].tolist()
        factors = qv.tolist()
        rows, vals = self.rows, self.vals
        for i, (lo, hi) in enumerate(pairwise(bounds)):
            if hi == lo:
                continue
            spans = list(zip(starts[lo:hi], ends[lo:hi], strict=True))
            weights = [
                vals[a:b] if f == 1.0 else vals[a:b] * f
                for (a, b), f in zip(spans, factors[lo:hi], strict=True)
            ]
            out[i] = np.bincount(
                np.concatenate([rows[a:b] for a, b in spans]),
                weights=np.concatenate(weights),
                minlength=self.n_rows,
            )
        return out
