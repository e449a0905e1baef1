"""Learning from feedback, wired to the pool and the store (the maths is in feedback.py).

Everything here reads one workspace's rows only: another workspace's clicks never reach
its rankings or its fits.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Protocol

import numpy as np

from matching.feedback import (
    UNSHOWN_PER_MEMBER,
    Click,
    Fit,
    Learning,
    PairMemory,
    adjustments,
    direction,
    fit_weights,
    sign_of,
    unit_mean,
)
from matching.pool import Match, Pool
from matching.scoring import Features, Weights
from matching.snapshot import Query
from profiles import repo
from profiles.db import Store

Reaction = tuple[str, str, str, datetime]


class Learner(Protocol):
    """What of the Matcher learning needs (a protocol: learning cannot import service)."""

    store: Store
    weights: Weights
    learning: Learning


def weights_for(m: Learner, team_id: str) -> Weights:
    """The weights a new pool of this workspace ranks with: its latest fit, if used."""
    if m.learning.fitted_weights:
        return fitted_weights(m.store, team_id) or m.weights
    return m.weights


@dataclass(frozen=True)
class Context:
    """A workspace's feedback as ranking reads it: each member's reactions and the
    community's reacted pairs, read once for a whole digest run."""

    now: datetime
    by_member: dict[str, list[Reaction]] = field(default_factory=dict)
    memory: PairMemory | None = None

    def of(self, user: str) -> list[Reaction]:
        return self.by_member.get(user, [])


def active(learning: Learning) -> bool:
    return learning.strength > 0 or learning.community > 0


def context(m: Learner, team_id: str, pool: Pool, user: str | None = None) -> Context:
    """Every reaction of the workspace (under both members of its pair) and, if the
    community part is used, its pairs as vectors of the pool; empty if learning is off.
    With ``user`` and no community part, only that member's reactions are read."""
    with m.store.session() as s:
        only = user if m.learning.community <= 0 else None
        rows = repo.reactions(s, team_id, only) if active(m.learning) else []
        now = m.store.clock()
    by_member: dict[str, list[Reaction]] = {}
    for row in rows:
        by_member.setdefault(row[0], []).append(row)
        by_member.setdefault(row[1], []).append(row)
    memory = pair_memory(pool, rows, now, m.learning) if m.learning.community > 0 else None
    return Context(now, by_member, memory)


def pair_memory(
    pool: Pool, rows: Sequence[Reaction], now: datetime, learning: Learning
) -> PairMemory | None:
    """The latest reaction per pair of members (a 'connect' then 'met' is one pair), on
    both members' current entry vectors, centred on the pool's mean entry."""
    latest: dict[frozenset[str], Reaction] = {}
    for row in rows:
        latest[frozenset(row[:2])] = row
    pairs = []
    for a, b, kind, when in latest.values():
        va = unit_mean([d.vector for d in pool.docs_of(a)])
        vb = unit_mean([d.vector for d in pool.docs_of(b)])
        if va is not None and vb is not None:
            pairs.append((va, vb, sign_of(kind), (now - when).total_seconds() / 86400.0))
    docs = list(pool.docs.values())
    if not pairs or not docs:
        return None
    centre = np.vstack([d.vector for d in docs]).astype(np.float32).mean(axis=0)
    return PairMemory.build(pairs, centre, learning.half_life_days)


def learned(
    m: Learner,
    team_id: str,
    user_id: str,
    pool: Pool,
    matches: list[Match],
    k: int,
    ctx: Context | None = None,
) -> list[Match]:
    """The member's top ``k`` after feedback (``ctx``, else read now)."""
    if not active(m.learning):
        return matches[:k]
    if ctx is None:
        ctx = context(m, team_id, pool, user_id)
    return rerank(matches, pool, user_id, ctx, m.learning, k)


def depth(k: int, learning: Learning) -> int:
    """How many candidates to rank so that feedback can lift some into the top ``k``."""
    return max(3 * k, k + 20) if active(learning) else k


def reacted(m: Learner, team_id: str) -> bool:
    """Whether learning could move anything in this workspace: someone has reacted.
    Until then ``k`` are ranked, not ``depth(k)``."""
    if not active(m.learning):
        return False
    with m.store.session() as s:
        return repo.has_reactions(s, team_id)


def clicks(pool: Pool, user: str, rows: Sequence[Reaction], now: datetime) -> list[Click]:
    """The reactions ``user`` took part in, as clicks on the partner's current entry vectors.

    Either side counts: a connect opens a conversation of both, and a decline removes the
    pair for both, so each is a judgement about the pair.
    """
    out = []
    for a, b, kind, when in rows:
        other = b if a == user else a
        vec = unit_mean([d.vector for d in pool.docs_of(other)])
        sign = sign_of(kind)
        if vec is None or sign == 0.0:
            continue
        out.append(Click(vec, sign, (now - when).total_seconds() / 86400.0))
    return out


def rerank(
    matches: list[Match],
    pool: Pool,
    user: str,
    ctx: Context,
    learning: Learning,
    k: int,
) -> list[Match]:
    """The member's top ``k`` after their own feedback and the community's moved
    similar candidates.

    Only reorders what the ranking offered (exclusions such as vetoes already applied),
    so learning never brings a vetoed pair back.
    """
    if not matches:
        return []
    rows = ctx.of(user)
    if not rows and ctx.memory is None:
        return matches[:k]  # nothing to learn from (most members of a new community)
    vectors = np.vstack([m.doc.vector for m in matches])
    delta = np.zeros(len(matches), dtype=np.float32)
    d = direction(clicks(pool, user, rows, ctx.now), learning.half_life_days) if rows else None
    if d is not None and learning.strength > 0:
        delta += adjustments(d, vectors, learning.strength)
    own = unit_mean([x.vector for x in pool.docs_of(user)])
    if ctx.memory is not None and own is not None and learning.community > 0:
        delta += ctx.memory.adjustments(own, vectors, learning.community)
    if not delta.any():
        return matches[:k]
    moved = [
        replace(m, score=lowered(m.score, float(x))) for m, x in zip(matches, delta, strict=True)
    ]
    moved.sort(key=lambda m: (-m.score, m.entry_id))
    return moved[:k]


# Learning may move a candidate down but never below this share of its own score: a
# positive score stays positive, so a candidate the digest planner takes (it drops scores
# <= 0 as weak) stays one, and learning cannot empty anyone's digest.
FLOOR = 0.01


def lowered(score: float, delta: float) -> float:
    return max(score + delta, FLOOR * score) if score > 0 else score + delta


def features_among(pool: Pool, user: str, others: Iterable[str]) -> dict[str, Features]:
    """The scoring features of each of ``others`` as ``user``'s candidate: their best
    entry pair, as ranking sees it."""
    among = frozenset(others)
    queries = pool.docs_of(user)
    if not queries or not among:
        return {}
    spec = Query(queries, among=among, listed_only=False)
    found = pool.rank_many([spec], k=len(among))[0]
    return {m.user_id: m.features for m in found}


def comparisons(
    pool: Pool, rows: Sequence[Reaction], per_member: int = UNSHOWN_PER_MEMBER, seed: int = 0
) -> tuple[list[tuple[Features, Features]], int, int]:
    """``(better, worse)`` candidate pairs per member who reacted, and the counts of
    positives and negatives: each positive partner above each declined one and above
    ``per_member`` sampled members they did not react to (seeded: a fit is repeatable).
    """
    # The latest reaction per ordered pair counts (a 'connect' then 'met' is one positive).
    latest: dict[tuple[str, str], float] = {(a, b): sign_of(kind) for a, b, kind, _ in rows}
    by_member: dict[str, dict[str, float]] = {}
    for (a, b), sign in sorted(latest.items()):
        if sign != 0.0:
            by_member.setdefault(a, {})[b] = sign
    rng = random.Random(seed)
    everyone = pool.users()
    out: list[tuple[Features, Features]] = []
    n_pos = n_neg = 0
    for user, reacted in sorted(by_member.items()):
        rest = [u for u in everyone if u != user and u not in reacted]
        sampled = rng.sample(rest, min(per_member, len(rest)))
        feats = features_among(pool, user, [*reacted, *sampled])
        pos = [feats[u] for u, sign in reacted.items() if sign > 0 and u in feats]
        neg = [feats[u] for u, sign in reacted.items() if sign < 0 and u in feats]
        neg += [feats[u] for u in sampled if u in feats]
        n_pos, n_neg = n_pos + len(pos), n_neg + len(neg)
        out += [(p, n) for p in pos for n in neg]
    return out, n_pos, n_neg


def refit(store: Store, pool: Pool, team_id: str, prior: Weights) -> Fit | None:
    """Refit this workspace's weights from its reactions and store the fit (None: too
    little data, nothing stored)."""
    with store.session() as s:
        rows = repo.reactions(s, team_id)
    pairs, positives, negatives = comparisons(pool, rows)
    fit = fit_weights(pairs, prior, positives=positives, negatives=negatives)
    if fit is None:
        return None
    with store.session() as s:
        repo.save_weight_fit(
            s,
            team_id,
            positives=fit.positives,
            negatives=fit.negatives,
            weights=asdict(fit.weights),
            prior=asdict(fit.prior),
            change=fit.change,
        )
    return fit


def refit_pool(m: Learner, pool: Pool, team_id: str) -> Fit | None:
    """Refit and store; if fits are used, this pool ranks with the new weights at once."""
    fit = refit(m.store, pool, team_id, m.weights)
    if fit is not None and m.learning.fitted_weights:
        pool.weights = fit.weights
    return fit


def fitted_weights(store: Store, team_id: str) -> Weights | None:
    """The weights of this workspace's latest refit, if any."""
    with store.session() as s:
        fits = repo.weight_fits(s, team_id, limit=1)
        if not fits:
            return None
        names = {f for f in asdict(Weights())}
        return Weights(**{k: float(v) for k, v in fits[0].weights.items() if k in names})
