"""Counting queries behind /match stats and the outcome chart per month."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from profiles.models import CONSENTING, DigestClaim, Entry, Feedback, Member, SuggestionLog


def count_by(s: Session, model: Any, team_id: str, *where: Any) -> int:
    return int(
        s.scalar(select(func.count()).select_from(model).where(model.team_id == team_id, *where))
        or 0
    )


def feedback_counts(s: Session, team_id: str) -> dict[str, int]:
    rows = s.execute(
        select(Feedback.kind, func.count())
        .where(Feedback.team_id == team_id)
        .group_by(Feedback.kind)
    )
    return {k: int(n) for k, n in rows}


def users_with_suggestions(s: Session, team_id: str) -> int:
    return int(
        s.scalar(
            select(func.count(func.distinct(SuggestionLog.user_id))).where(
                SuggestionLog.team_id == team_id
            )
        )
        or 0
    )


def community_stats(s: Session, team_id: str) -> dict[str, int]:
    """Raw counts for /match stats; rates are computed by the caller."""
    members_with_entries = select(Entry.member_id).where(
        Entry.team_id == team_id, Entry.archived.is_(False)
    )
    fb = feedback_counts(s, team_id)
    # Imported people who have not accepted are not members yet: counted apart.
    active = Member.consent.in_(CONSENTING)
    return {
        "members": count_by(s, Member, team_id, active),
        "members_with_entries": count_by(
            s, Member, team_id, active, Member.id.in_(members_with_entries)
        ),
        "opted_in": count_by(s, Member, team_id, active, Member.opted_in.is_(True)),
        "invited": count_by(s, Member, team_id, ~active),
        "entries": count_by(s, Entry, team_id, Entry.archived.is_(False)),
        "digests_sent": count_by(s, DigestClaim, team_id, DigestClaim.status == "sent"),
        "digests_failed": count_by(s, DigestClaim, team_id, DigestClaim.status == "failed"),
        "suggestions_shown": count_by(s, SuggestionLog, team_id),
        "members_suggested": users_with_suggestions(s, team_id),
        "connect": fb.get("connect", 0),
        "not_relevant": fb.get("not_relevant", 0),
        "known": fb.get("known", 0),
    }


def monthly_activity(s: Session, team_id: str, since: datetime) -> dict[str, dict[str, int]]:
    """Per month ("2026-11", UTC) since ``since``: suggestions shown ("shown") and feedback
    by kind. Bucketed here, not in SQL: month functions differ between SQLite and
    PostgreSQL, and only one timestamp column per row is read."""
    out: dict[str, dict[str, int]] = {}

    def add(month: str, kind: str) -> None:
        bucket = out.setdefault(month, {})
        bucket[kind] = bucket.get(kind, 0) + 1

    shown = s.scalars(
        select(SuggestionLog.created_at).where(
            SuggestionLog.team_id == team_id, SuggestionLog.created_at >= since
        )
    )
    for at in shown:
        add(f"{at:%Y-%m}", "shown")
    feedback = s.execute(
        select(Feedback.kind, Feedback.created_at).where(
            Feedback.team_id == team_id, Feedback.created_at >= since
        )
    )
    for kind, at in feedback:
        add(f"{at:%Y-%m}", kind)
    return out
