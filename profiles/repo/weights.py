"""Refits of a workspace's scoring weights (see matching/feedback.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from profiles.models import WeightFit


def save_weight_fit(
    s: Session,
    team_id: str,
    *,
    positives: int,
    negatives: int,
    weights: dict[str, float],
    prior: dict[str, float],
    change: float,
) -> WeightFit:
    fit = WeightFit(
        team_id=team_id,
        positives=positives,
        negatives=negatives,
        weights=dict(weights),
        prior=dict(prior),
        change=change,
    )
    s.add(fit)
    s.flush()
    return fit


def weight_fits(s: Session, team_id: str, limit: int = 10) -> list[WeightFit]:
    """This workspace's latest fits, newest first."""
    q = (
        select(WeightFit)
        .where(WeightFit.team_id == team_id)
        .order_by(WeightFit.created_at.desc(), WeightFit.id.desc())
        .limit(limit)
    )
    return list(s.scalars(q))
