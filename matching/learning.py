"""Learning from feedback, wired to the pool and the store (the maths is in feedback.py).

Everything here reads one workspace's rows only: another workspace's clicks never reach
its rankings or its fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Protocol

import numpy as np

from matching.feedback import (
    Click,
    Fit,
    Learning,
    adjustments,
    direction,
    fit_weights,
    sign_of,
    unit_mean,
)
from matching.pool import Match, Pool
from matching.scoring import Features, Weights
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


def reactions_by_member(m: Learner, team_id: str) -> dict[str, list[Reaction]]:
    """Every reaction of the workspace under both members of its pair (empty if unused)."""
    out: dict[str, list[Reaction]] = {}
    if m.learning.strength <= 0:
        return out
    with m.store.session() as s:
        rows = repo.reactions(s, team_id)
    for row in rows:
        out.setdefault(row[0], []).append(row)
        out.setdefault(row[1], []).append(row)
    return out


def learned(
    m: Learner,
    team_id: str,
    user_id: str,
    pool: Pool,
    matches: list[Match],
    k: int,
    rows: list[Reaction] | None = None,
) -> list[Match]:
    """The member's top ``k`` after their feedback (``rows``, else read now)."""
    if m.learning.strength <= 0:
        return matches[:k]
    with m.store.session() as s:
        if rows is None:
            rows = repo.reactions(s, team_id, user_id)
        now = m.store.clock()
    return rerank(matches, pool, user_id, rows, now, m.learning, k)


def depth(k: int, learning: Learning) -> int:
    """How many candidates to rank so that feedback can lift some into the top ``k``."""
    return k if learning.strength <= 0 else max(3 * k, k + 20)


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
    rows: Sequence[Reaction],
    now: datetime,
    learning: Learning,
    k: int,
) -> list[Match]:
    """The member's top ``k`` after their own feedback moved similar candidates.

    Only reorders what the ranking offered (exclusions such as vetoes already applied),
    and only for this member: nobody else's list changes.
    """
    d = direction(clicks(pool, user, rows, now), learning.half_life_days) if rows else None
    if d is None or learning.strength <= 0 or not matches:
        return matches[:k]
    delta = adjustments(d, np.vstack([m.doc.vector for m in matches]), learning.strength)
    moved = [replace(m, score=m.score + float(x)) for m, x in zip(matches, delta, strict=True)]
    moved.sort(key=lambda m: (-m.score, m.entry_id))
    return moved[:k]


def pair_features(pool: Pool, user: str, other: str) -> Features | None:
    """The scoring features of the best entry pair of two members, as ranking sees them."""
    queries = pool.docs_of(user)
    if not queries or not pool.docs_of(other):
        return None
    found = pool.rank_members(queries, k=1, among=frozenset({other}))
    return found[0].features if found else None


def refit(store: Store, pool: Pool, team_id: str, prior: Weights) -> Fit | None:
    """Refit this workspace's weights from its reactions and store the fit (None: too
    little data, nothing stored)."""
    with store.session() as s:
        rows = repo.reactions(s, team_id)
    # The latest reaction per ordered pair counts (a 'connect' then 'met' is one positive).
    latest: dict[tuple[str, str], str] = {(a, b): kind for a, b, kind, _ in rows}
    feats: list[Features] = []
    labels: list[bool] = []
    for (a, b), kind in sorted(latest.items()):
        f = pair_features(pool, a, b)
        if f is not None:
            feats.append(f)
            labels.append(sign_of(kind) > 0)
    fit = fit_weights(feats, labels, prior)
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
