"""Feedback on suggestions and the log of suggestions shown."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from profiles.errors import InvalidInput
from profiles.models import (
    FEEDBACK_KINDS,
    NEGATIVE_KINDS,
    POSITIVE_KINDS,
    VETO_KINDS,
    Feedback,
    SuggestionLog,
)


def record_feedback(s: Session, team_id: str, user_id: str, other_user_id: str, kind: str) -> None:
    if kind not in FEEDBACK_KINDS:
        raise InvalidInput(f"unknown feedback {kind!r}")
    s.add(Feedback(team_id=team_id, user_id=user_id, other_user_id=other_user_id, kind=kind))
    s.flush()


def blocked_partners(s: Session, team_id: str, user_id: str) -> set[str]:
    """People never to suggest to ``user_id`` again: declined or already known, either way."""
    rows = s.execute(
        select(Feedback.user_id, Feedback.other_user_id).where(
            Feedback.team_id == team_id,
            Feedback.kind.in_(VETO_KINDS),
            or_(Feedback.user_id == user_id, Feedback.other_user_id == user_id),
        )
    )
    return {b if a == user_id else a for a, b in rows}


def blocked_pairs(s: Session, team_id: str) -> set[frozenset[str]]:
    rows = s.execute(
        select(Feedback.user_id, Feedback.other_user_id).where(
            Feedback.team_id == team_id, Feedback.kind.in_(VETO_KINDS)
        )
    )
    return {frozenset((a, b)) for a, b in rows}


def log_suggestions(
    s: Session,
    team_id: str,
    user_id: str,
    partners: Iterable[tuple[str, float]],
    source: str,
    period: str | None = None,
) -> None:
    for other, score in partners:
        s.add(
            SuggestionLog(
                team_id=team_id,
                user_id=user_id,
                other_user_id=other,
                score=float(score),
                source=source,
                period=period,
            )
        )
    s.flush()


def suggested_pairs_since(s: Session, team_id: str, since: datetime) -> set[frozenset[str]]:
    rows = s.execute(
        select(SuggestionLog.user_id, SuggestionLog.other_user_id).where(
            SuggestionLog.team_id == team_id,
            SuggestionLog.created_at >= since,
            SuggestionLog.source.in_(("digest", "instant")),
        )
    )
    return {frozenset((a, b)) for a, b in rows}


def reactions(
    s: Session, team_id: str, user_id: str | None = None
) -> list[tuple[str, str, str, datetime]]:
    """Positive and negative reactions ``(user, partner, kind, when)`` in this workspace;
    with ``user_id``, those in which that member is either side (a connect introduces
    both, a decline ends the pair for both): what learning from feedback reads."""
    q = select(Feedback.user_id, Feedback.other_user_id, Feedback.kind, Feedback.created_at).where(
        Feedback.team_id == team_id,
        Feedback.kind.in_((*POSITIVE_KINDS, *NEGATIVE_KINDS)),
    )
    if user_id is not None:
        q = q.where(or_(Feedback.user_id == user_id, Feedback.other_user_id == user_id))
    return [(a, b, k, t) for a, b, k, t in s.execute(q.order_by(Feedback.id))]


def has_reactions(s: Session, team_id: str) -> bool:
    """Whether anyone in this workspace has reacted (what ``reactions`` would list)."""
    q = select(Feedback.id).where(
        Feedback.team_id == team_id,
        Feedback.kind.in_((*POSITIVE_KINDS, *NEGATIVE_KINDS)),
    )
    return s.execute(q.limit(1)).first() is not None


def connect_pairs(s: Session, team_id: str, kind: str = "connect") -> set[frozenset[str]]:
    """Pairs of members one of whom gave feedback ``kind`` about the other: asked to be
    connected, or (``kind="met"``) said in a follow-up that they met (the map's lines)."""
    rows = s.execute(
        select(Feedback.user_id, Feedback.other_user_id).where(
            Feedback.team_id == team_id, Feedback.kind == kind
        )
    )
    return {frozenset((a, b)) for a, b in rows if a != b}
