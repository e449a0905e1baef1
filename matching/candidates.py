"""Who may be suggested to a query: candidates from faiss and BM25, minus exclusions.

For a block of queries at once (one mask), or for one query at a time when it is
restricted to some members (a workshop) or the pool changed since its snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from matching.doc import Doc
from matching.doctable import COUNTED, WEIGHTED, DocTable
from matching.postings import Sparse

if TYPE_CHECKING:
    from matching.pool import Pool
    from matching.snapshot import Query, Snapshot

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass
class Cands:
    """One query's candidates: their docs, a table holding them, rows in it, raw lexical."""

    table: DocTable
    rows: I64
    lex: F64
    dots: dict[str, F64]


def dots_of(q: dict[str, Sparse], table: DocTable) -> dict[str, F64]:
    """Each query's item dot products with every row of ``table`` (queries x rows)."""
    t = table.items
    out = {kind: t[kind].dot(q[kind]) for kind in (*COUNTED, *WEIGHTED)}
    out["needs"] = t["offer"].dot(q["seek"]) + t["seek"].dot(q["offer"])
    return out


def _allowed(q: Doc, spec: Query, d: Doc) -> bool:
    return (
        d.entry_id != q.entry_id
        and d.user_id not in spec.exclude_users
        and d.user_id != q.user_id
        and not (spec.exclude_orgs and d.org in spec.exclude_orgs)
        and (d.listed or not spec.listed_only)
    )


def _top(row: NDArray[np.float32], n: int) -> I64:
    """Rows of the ``n`` highest positive values, as a stable sort would pick them."""
    positive = np.flatnonzero(row > 0)
    if len(positive) > n:
        cut = np.partition(row[positive], len(positive) - n)[len(positive) - n]
        above = positive[row[positive] > cut]
        tied = positive[row[positive] == cut][: n - len(above)]
        positive = np.concatenate([above, tied])
    return positive


def _top_many(lex: NDArray[np.float32], n: int) -> NDArray[np.bool_]:
    """_top of every row at once, as a mask (rows x documents)."""
    positive = lex > 0
    width = lex.shape[1]
    if width <= n:
        return positive
    vals = np.where(positive, lex, -np.inf)
    # The n-th largest value of each row is its (width - n)-th smallest.
    cut = np.partition(vals, width - n, axis=1)[:, width - n : width - n + 1]
    picked = vals > cut
    tied = (vals == cut) & positive
    need = n - picked.sum(axis=1)
    # Ties at the cut go to the lowest rows, as a stable sort would pick them; only rows
    # with more ties than places need counting them.
    crowded = tied.sum(axis=1) > need
    for r in np.flatnonzero(crowded).tolist():
        picked[r] |= tied[r] & (np.cumsum(tied[r]) <= need[r])
    picked[~crowded] |= tied[~crowded]
    return np.where(positive.sum(axis=1, keepdims=True) <= n, positive, picked)


def open_candidates(
    pool: Pool,
    snap: Snapshot,
    block: list[tuple[Doc, Query]],
    lex_all: NDArray[np.float32],
    found: list[I64 | None],
) -> dict[int, tuple[I64, list[Doc]]]:
    """_candidates for a block's queries that are open to everyone (not ``among``), at once.

    One mask (queries x snapshot rows) instead of set operations per query; the same rows.
    """
    table = snap.table
    open_b = [b for b, (_d, spec) in enumerate(block) if spec.among is None]
    if not open_b or not len(table):
        return {}
    mask = _top_many(lex_all[open_b], pool.candidates)
    missing: dict[int, list[int]] = {}
    for i, b in enumerate(open_b):
        ids = found[b]
        if ids is not None and len(ids):
            known = snap.rows(ids)
            mask[i, known[known >= 0]] = True
            if (known < 0).any():
                missing[i] = ids[known < 0].tolist()
    stale = mask & ~snap.live
    mask &= snap.live
    for i, b in enumerate(open_b):
        q, spec = block[b]
        for code in table.code("u", spec.exclude_users | {q.user_id}).tolist():
            mask[i, table.rows_of_code(code)] = False
        for code in table.code("o", spec.exclude_orgs).tolist():
            mask[i, table.rows_of_code(code)] = False
        own = snap.row_of.get(q.entry_id)
        if own is not None:
            mask[i, own] = False
        if spec.listed_only:
            mask[i] &= table.listed
    out = {}
    for i, b in enumerate(open_b):
        q, spec = block[b]
        extra_ids = missing.get(i, []) + table.ids[np.flatnonzero(stale[i])].tolist()
        extra = [pool.docs[e] for e in extra_ids if e in pool.docs]
        out[b] = (np.flatnonzero(mask[i]), [d for d in extra if _allowed(q, spec, d)])
    return out


def candidates(
    pool: Pool,
    snap: Snapshot,
    q: Doc,
    spec: Query,
    lex_row: NDArray[np.float32],
    found: I64 | None,
) -> tuple[I64, list[Doc]]:
    """Candidate rows of the snapshot that may be suggested, and current docs it lacks."""
    table = snap.table
    if spec.among is not None:
        ids = np.array(
            [e for u in sorted(spec.among) for e in sorted(pool._by_user.get(u, ()))],
            dtype=np.int64,
        )
        known = snap.rows(ids)
        rows = known
    else:
        ids = found if found is not None else np.zeros(0, dtype=np.int64)
        known = snap.rows(ids)
        rows = np.union1d(known, _top(lex_row, pool.candidates))
    missing = ids[known < 0].tolist()
    rows = rows[rows >= 0]
    stale = rows[~snap.live[rows]]
    rows = rows[snap.live[rows]]
    excluded = table.code("u", spec.exclude_users | {q.user_id})
    keep = ~np.isin(table.user_code[rows], excluded) & (table.ids[rows] != q.entry_id)
    if spec.exclude_orgs:
        keep &= ~np.isin(table.org_code[rows], table.code("o", spec.exclude_orgs))
    if spec.listed_only:
        keep &= table.listed[rows]
    # Added or changed since the snapshot (a removed one is no longer in the pool).
    extra = [pool.docs[e] for e in [*missing, *table.ids[stale].tolist()] if e in pool.docs]
    return rows[keep], [d for d in extra if _allowed(q, spec, d)]


def extra_table(
    snap: Snapshot, q: Doc, docs: list[Doc], lex_row: NDArray[np.float32], dim: int
) -> Cands:
    """Candidates the snapshot does not hold (added or changed since): a small table of their own.

    Their lexical score is their old text's, or none, until the snapshot is rebuilt.
    """
    table = DocTable.build(docs, snap.vocab, dim)
    lex = np.array(
        [
            float(lex_row[snap.row_of[d.entry_id]]) if d.entry_id in snap.row_of else 0.0
            for d in docs
        ]
    )
    dots = dots_of(snap.vocab.queries([q]), table)
    return Cands(
        table, np.arange(len(docs), dtype=np.int64), lex, {k: v[0] for k, v in dots.items()}
    )
