"""Ranking many queries at once: one faiss search, features over candidate blocks with numpy.

The single-query path is a batch of one, so both give the same rankings, scores
and reasons by construction. Per query, candidates come from faiss (nearest
vectors) and BM25 (best lexical scores); every feature is computed for all of
them at once from a snapshot of the pool (matching.doctable); the sentence
alignment, the costliest feature, only for candidates whose score could still
reach the top: the others are left out by an exact bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from matching.candidates import Cands, candidates, dots_of, extra_table, open_candidates
from matching.doc import Doc, Match
from matching.doctable import WEIGHTED, DocTable
from matching.scoring import Features, Weights, sentence_pair
from matching.snapshot import Query, Snapshot
from matching.subjects import has_need_match
from matching.terms import Rarity

if TYPE_CHECKING:
    from matching.pool import Pool

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
# Each query's nearest entry ids from faiss, by its position in the items ranked.
Found = dict[int, I64]
# Queries whose dense candidate rows (lexical and item scores against the whole pool) are
# computed together: 32 x 10,000 entries x 7 float64 signals is about 18 MB. 64 ranked as
# fast but its rows lifted the peak memory of a 10,000-entry `suggest --all` above the
# snapshot build's; BM25's dense product takes as many rows (lexical.DENSE_ROWS).
BLOCK = 32
# Sentence alignment first for this many more candidates than asked for, by upper bound.
FIRST_ROUND = 16


def _alignment(a: NDArray[np.float32], table: DocTable, rows: I64) -> F64:
    """The soft sentence alignment (scoring.sentence_alignment) of a query with ``rows``."""
    out = np.zeros(len(rows))
    sents, counts = table.sentence_rows(rows)
    if a.size == 0 or not len(sents):
        return out
    has = counts > 0
    starts = np.concatenate(([0], np.cumsum(counts[has])[:-1]))
    # Candidate sentences as rows: the per-candidate reductions run over contiguous rows.
    sims = sents @ a.T
    row_best = np.maximum.reduceat(sims, starts, axis=0).mean(axis=1)
    col_best = np.add.reduceat(sims.max(axis=1), starts) / counts[has]
    out[has] = 0.5 * (row_best.astype(np.float64) + col_best.astype(np.float64))
    return out


# Feature columns of Ranked.features, in the order of scoring.Features.
FEATURES = ("semantic", "sentence", "lexical", "groups", "themes", "tools", "needs", "terms")


@dataclass(frozen=True)
class Ranked:
    """One query doc's best candidates, best first, as arrays.

    Matches are made only for what a member is finally offered (merge_members): making
    one per ranked candidate took most of a digest's time at thousands of members.
    """

    query: Doc
    docs: list[Doc]
    scores: F64
    features: F64  # one row per candidate, columns as FEATURES

    def match(self, i: int, score: float, rarity: Rarity) -> Match:
        d = self.docs[i]
        f = Features(*self.features[i].tolist())
        return Match(self.query.entry_id, d.entry_id, d.user_id, score, f, doc=d, rarity=rarity)

    def matches(self, rarity: Rarity) -> list[Match]:
        return [self.match(i, s, rarity) for i, s in enumerate(self.scores.tolist())]


@dataclass
class _Feats:
    """Features of candidates (one row each) before the sentence alignment; ``seg[i]:seg[i + 1]``
    are query i's. Computed elementwise, so a query's values do not depend on the others'."""

    seg: I64
    sem: F64
    lex: F64
    groups: F64
    tools: F64
    theme: F64
    term: F64
    needs: F64
    d_norm: F64
    ids: I64
    # An upper bound of each row's score, whatever its sentence alignment (_select).
    bound: F64


def _features(
    w: Weights,
    snap: Snapshot,
    qs: Sequence[Doc],
    counts: I64,
    raw: dict[str, NDArray[Any]],
    own_lex: F64,
    need_docs: Callable[[int], Doc],
) -> _Feats:
    """Features of every (query, candidate) row from what was gathered for the rows:
    ``raw`` holds sem, lex, norms_theme, norms_term, d_norm, ids and the item dots."""
    seg = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    qi = np.repeat(np.arange(len(qs)), counts)
    lex_raw = raw["lex"]
    best = np.zeros(len(qs))
    has = counts > 0
    if has.any():
        best[has] = np.maximum.reduceat(lex_raw, seg[:-1][has])
    # Relative to a perfect match: the query's score against its own text. Dividing by
    # the best candidate instead would lift a trivial overlap to full weight in a small
    # community.
    ref = np.maximum(own_lex, best)[qi]
    lex = np.divide(lex_raw, ref, out=lex_raw.copy(), where=ref > 0)
    dots = raw["dots"]
    groups = np.where(dots["group"] > 0, 1.0 - 0.5 ** dots["group"], 0.0)
    tools = np.where(dots["tool"] > 0, 1.0 - 0.5 ** dots["tool"], 0.0)
    weighted = {}
    for kind in WEIGHTED:
        q_norm = np.array([snap.vocab.norm(q, kind) for q in qs])
        denom = raw[f"norms_{kind}"] * q_norm[qi]
        weighted[kind] = np.divide(
            dots[kind], denom, out=np.zeros(len(qi)), where=(dots[kind] > 0) & (denom > 0)
        )
    needs = np.zeros(len(qi))
    for i in np.flatnonzero(dots["needs"] > 0).tolist():
        q = qs[int(qi[i])]
        needs[i] = 1.0 if has_need_match(q.needs, need_docs(i).needs, snap.rarity) else 0.0
    sem = raw["sem"].astype(np.float32).astype(np.float64)
    lex = lex.astype(np.float32).astype(np.float64)
    theme, term = weighted["theme"], weighted["term"]
    rest = (
        w.lexical * lex
        + w.groups * groups
        + w.themes * theme
        + w.tools * tools
        + w.needs * needs
        + w.terms * term
    )
    # No sentence similarity exceeds the product of the two largest sentence norms.
    q_sent = np.array([snap.sentence_norm(q) for q in qs])
    bound = w.semantic * sem + rest + abs(w.sentence) * q_sent[qi] * raw["d_norm"] + 1e-6
    return _Feats(
        seg, sem, lex, groups, tools, theme, term, needs, raw["d_norm"], raw["ids"], bound
    )


def _select(
    w: Weights,
    q: Doc,
    f: _Feats,
    i: int,
    docs: Callable[[int], Doc],
    align: Callable[[NDArray[np.float32], I64], F64],
    depth: int,
) -> Ranked:
    """Query i's best ``depth`` candidates: the sentence alignment only for those whose
    score could still reach them (an exact bound), then the order."""
    lo, hi = int(f.seg[i]), int(f.seg[i + 1])
    n = hi - lo
    if not n:
        return Ranked(q, [], np.zeros(0), np.zeros((0, len(FEATURES))))
    sem, lex, groups, tools = f.sem[lo:hi], f.lex[lo:hi], f.groups[lo:hi], f.tools[lo:hi]
    theme, term, needs = f.theme[lo:hi], f.term[lo:hi], f.needs[lo:hi]
    q_sents = q.sentence_vectors.astype(np.float32, copy=False)
    bound = f.bound[lo:hi]
    sentence = np.zeros(n)
    done = np.zeros(n, dtype=bool)
    score = np.full(n, -np.inf)

    def full(idx: I64) -> None:
        sentence[idx] = align(q_sents, idx).astype(np.float32).astype(np.float64)
        done[idx] = True
        # The order of Features.score, so that the scores here equal the Matches' own.
        score[idx] = (
            w.semantic * sem[idx]
            + w.sentence * sentence[idx]
            + w.lexical * lex[idx]
            + w.groups * groups[idx]
            + w.themes * theme[idx]
            + w.tools * tools[idx]
            + w.needs * needs[idx]
            + w.terms * term[idx]
        )

    first = np.argsort(-bound, kind="stable")[: depth + FIRST_ROUND]
    full(first)
    if len(first) < n:
        kth = np.sort(score[first])[::-1][min(depth, len(first)) - 1]
        full(np.flatnonzero(~done & (bound >= kth)))
    order = np.lexsort((f.ids[lo:hi], -score))[: min(depth, int(done.sum()))]
    feats = np.column_stack([sem, sentence, lex, groups, theme, tools, needs, term])[order]
    return Ranked(q, [docs(int(j)) for j in order], score[order], feats)


def _rank_one(
    pool: Pool, snap: Snapshot, q: Doc, cands: list[Cands], own_lex: float, depth: int
) -> Ranked:
    """The best ``depth`` candidates for one query doc from one or more tables (the
    snapshot's and one of entries changed since), best first."""
    rows = [c.rows for c in cands]

    def cat(parts: list[NDArray[Any]]) -> NDArray[Any]:
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def gather(get: Callable[[Cands, I64], NDArray[Any]]) -> NDArray[Any]:
        return cat([get(c, r) for c, r in zip(cands, rows, strict=True)])

    # Candidate i is row local[i] of table block_of[i].
    block_of = np.concatenate([np.full(len(r), b) for b, r in enumerate(rows)])
    local = np.concatenate([np.arange(len(r)) for r in rows])

    def doc(i: int) -> Doc:
        c = cands[int(block_of[i])]
        return c.table.docs[int(c.rows[local[i]])]

    def align(a: NDArray[np.float32], picked: I64) -> F64:
        out = np.zeros(len(picked))
        for b, c in enumerate(cands):
            mine = block_of[picked] == b
            if mine.any():
                out[mine] = _alignment(a, c.table, c.rows[local[picked[mine]]])
        return out

    raw: dict[str, Any] = {
        "lex": cat([c.lex for c in cands]),
        "sem": gather(lambda c, r: c.table.vectors[r] @ q.vector),
        "norms_theme": gather(lambda c, r: c.table.norms["theme"][r]),
        "norms_term": gather(lambda c, r: c.table.norms["term"][r]),
        "d_norm": gather(lambda c, r: c.table.sentence_norm[r]),
        "ids": gather(lambda c, r: c.table.ids[r]),
        "dots": {k: cat([c.dots[k] for c in cands]) for k in cands[0].dots},
    }
    n = sum(len(r) for r in rows)
    f = _features(pool.weights, snap, [q], np.array([n]), raw, np.array([own_lex]), doc)
    return _select(pool.weights, q, f, 0, doc, align, depth)


def _rank_block(
    pool: Pool,
    snap: Snapshot,
    qs: list[Doc],
    rows: list[I64],
    lex_all: NDArray[np.float32],
    dots_all: dict[str, F64],
    depth: int,
) -> Iterator[Ranked]:
    """_rank_one for queries whose candidates are all rows of the snapshot's table: the
    features of the whole block at once, then each query's selection."""
    table = snap.table
    counts = np.array([len(r) for r in rows], dtype=np.int64)
    qi = np.repeat(np.arange(len(qs)), counts)
    flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    own = np.array(
        [float(lex_all[b, snap.row_of[q.entry_id]]) if q.entry_id in snap.row_of else 0.0
         for b, q in enumerate(qs)]
    )  # fmt: skip
    raw: dict[str, Any] = {
        "lex": lex_all[qi, flat].astype(np.float64),
        # Per query, as _rank_one does: a matrix-vector product per row block gives
        # each row the same bits whatever else is in the batch.
        "sem": np.concatenate(
            [table.vectors[r] @ q.vector for q, r in zip(qs, rows, strict=True)] or [np.zeros(0)]
        ),
        "norms_theme": table.norms["theme"][flat],
        "norms_term": table.norms["term"][flat],
        "d_norm": table.sentence_norm[flat],
        "ids": table.ids[flat],
        "dots": {k: v[qi, flat] for k, v in dots_all.items()},
    }
    f = _features(pool.weights, snap, qs, counts, raw, own, lambda i: table.docs[int(flat[i])])
    for i, q in enumerate(qs):
        mine = rows[i]
        yield _select(
            pool.weights,
            q,
            f,
            i,
            lambda j, mine=mine: table.docs[int(mine[j])],  # type: ignore[misc]
            lambda a, idx, mine=mine: _alignment(a, table, mine[idx]),  # type: ignore[misc]
            depth,
        )


def _rows(
    rows: list[int], n: int, lex_all: NDArray[np.float32], dots_all: dict[str, F64]
) -> tuple[NDArray[np.float32], dict[str, F64]]:
    """The block's rows ``rows`` of its lexical and item arrays; no copy when that is all."""
    if rows == list(range(n)):
        return lex_all, dots_all
    return lex_all[rows], {k: v[rows] for k, v in dots_all.items()}


def search(pool: Pool, items: list[tuple[Doc, Query]], depth: int, reach: int = 0) -> Found:
    """One faiss search for every query that is not restricted to a set of members: the
    nearest ``max(reach, depth) + pool.candidates`` entry ids, by position in ``items``."""
    open_q = [i for i, (_d, spec) in enumerate(items) if spec.among is None]
    if not open_q:
        return {}
    vecs = np.vstack([items[i][0].vector for i in open_q])
    hits = pool.index.search_ids(vecs, max(reach, depth) + pool.candidates)
    return {i: row[row >= 0] for i, row in zip(open_q, hits, strict=True)}


def rank_docs(
    pool: Pool,
    snap: Snapshot,
    items: list[tuple[Doc, Query]],
    depth: int,
    reach: int = 0,
    found: Found | None = None,
    bar: bool = True,
) -> Iterator[Ranked]:
    """Each query doc's best ``depth`` candidates (best first), in turn; the nearest
    ``max(reach, depth) + pool.candidates`` vectors (``found``: search's, when the caller
    searched already) and the best BM25 scores are candidates."""
    if found is None:
        found = search(pool, items, depth, reach)
    table = snap.table
    # A bar for digests, suggest --all and eval; on stderr, and only on a terminal.
    progress = tqdm(
        total=len(items),
        desc="ranking",
        unit="entry",
        disable=None if bar and len(items) > BLOCK else True,
    )
    for pos in range(0, len(items), BLOCK):
        block = items[pos : pos + BLOCK]
        docs = [d for d, _s in block]
        lex_all = snap.index.scores_of_ids([snap.token_ids(d) for d in docs])
        dots_all = dots_of(snap.vocab.queries(docs), table)
        chosen = open_candidates(
            pool, snap, block, lex_all, [found.get(pos + b) for b in range(len(block))]
        )
        # Queries whose candidates are all in the snapshot go through the block path.
        plain = [b for b in range(len(block)) if b in chosen and not chosen[b][1]]
        fast = dict(zip(plain, _rank_block(
            pool, snap, [block[b][0] for b in plain], [chosen[b][0] for b in plain],
            *_rows(plain, len(block), lex_all, dots_all), depth,
        ), strict=True))  # fmt: skip
        for b, (q, spec) in enumerate(block):
            if b in fast:
                yield fast[b]
                continue
            lex_row = lex_all[b]
            own = snap.row_of.get(q.entry_id)
            own_lex = float(lex_row[own]) if own is not None else 0.0
            rows, extra = chosen.get(b) or candidates(
                pool, snap, q, spec, lex_row, found.get(pos + b)
            )
            cands = [Cands(table, rows, lex_row[rows].astype(np.float64),
                            {k: v[b, rows] for k, v in dots_all.items()})]  # fmt: skip
            if extra:
                cands.append(extra_table(snap, q, extra, lex_row, pool.dim))
            yield _rank_one(pool, snap, q, cands, own_lex, depth)
        progress.update(len(block))
    progress.close()


def with_pairs(matches: list[Match], queries: Sequence[Doc]) -> list[Match]:
    """The closest sentence pair of each match, which explains it: only for what is shown."""
    by_id = {q.entry_id: q for q in queries}
    return [
        replace(m, pair=sentence_pair(by_id[m.query_id].sentence_vectors, m.doc.sentence_vectors))
        for m in matches
    ]


def merge_members(per_doc: list[Ranked], k: int, rarity: Rarity) -> list[Match]:
    """Best partner per person over a member's query entries: one Match per member, best first.

    A person's score is their best entry pair; a second matching entry adds a little,
    because two overlapping projects are a stronger reason to talk.
    """
    best: dict[str, tuple[float, int, int]] = {}  # person -> (score, ranked list, position)
    extra: dict[str, float] = {}
    for a, ranked in enumerate(per_doc):
        for p, (d, score) in enumerate(zip(ranked.docs, ranked.scores.tolist(), strict=True)):
            user = d.user_id
            cur = best.get(user)
            if cur is None or score > cur[0]:
                if cur is not None:
                    extra[user] = extra.get(user, 0.0) + 0.05 * cur[0]
                best[user] = (score, a, p)
            else:
                extra[user] = extra.get(user, 0.0) + 0.05 * score
    scored = [
        (score + min(extra.get(user, 0.0), 0.1), per_doc[a].docs[p].entry_id, a, p)
        for user, (score, a, p) in best.items()
    ]
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [per_doc[a].match(p, score, rarity) for score, _e, a, p in scored[:k]]
