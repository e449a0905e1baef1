"""Export and erasure of everything stored about one member (GDPR Art. 15/17/20)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from profiles.models import DigestClaim, Entry, Feedback, SuggestionLog
from profiles.repo._common import rowcount
from profiles.repo.followups import delete_introductions_of
from profiles.repo.members import get_member


def forget_member(s: Session, team_id: str, user_id: str) -> dict[str, int]:
    """Delete everything stored about a member in this workspace; returns counts."""
    counts: dict[str, int] = {}
    member = get_member(s, team_id, user_id)
    counts["entries"] = len(member.entries) if member else 0
    if member is not None:
        s.delete(member)  # cascades to entries and vectors
    for model, cols in (
        (Feedback, (Feedback.user_id, Feedback.other_user_id)),
        (SuggestionLog, (SuggestionLog.user_id, SuggestionLog.other_user_id)),
    ):
        result = s.execute(
            delete(model).where(model.team_id == team_id, or_(*(c == user_id for c in cols)))
        )
        counts[model.__tablename__] = rowcount(result)
    result = s.execute(
        delete(DigestClaim).where(DigestClaim.team_id == team_id, DigestClaim.user_id == user_id)
    )
    counts["digests"] = rowcount(result)
    counts["introductions"] = delete_introductions_of(s, team_id, user_id)
    s.flush()
    return counts


def _entry_dict(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "external_id": e.external_id,
        "kind": e.kind,
        "title": e.title,
        "description": e.description,
        "target_groups": e.target_groups,
        "detected_groups": e.detected_groups,
        "tools": e.tools,
        "region": e.region,
        "looking_for": e.looking_for,
        "offers": e.offers,
        "archived": e.archived,
        "created_at": e.created_at.isoformat(),
        "updated_at": e.updated_at.isoformat(),
    }


def export_member(s: Session, team_id: str, user_id: str) -> dict[str, Any]:
    """Everything stored about a member, as plain JSON-able data (GDPR Art. 15/20)."""
    member = get_member(s, team_id, user_id)
    feedback = s.scalars(
        select(Feedback).where(Feedback.team_id == team_id, Feedback.user_id == user_id)
    )
    shown = s.scalars(
        select(SuggestionLog).where(
            SuggestionLog.team_id == team_id, SuggestionLog.user_id == user_id
        )
    )
    return {
        "team_id": team_id,
        "user_id": user_id,
        "member": None
        if member is None
        else {
            "display_name": member.display_name,
            "organisation": member.organisation,
            "organisation_source": member.organisation_source,
            "language": member.language,
            "opted_in": member.opted_in,
            "cadence": member.cadence,
            "created_at": member.created_at.isoformat(),
        },
        "entries": [_entry_dict(e) for e in (member.entries if member else [])],
        "feedback": [
            {"other_user_id": f.other_user_id, "kind": f.kind, "at": f.created_at.isoformat()}
            for f in feedback
        ],
        "suggestions_shown": [
            {
                "other_user_id": x.other_user_id,
                "score": round(x.score, 4),
                "source": x.source,
                "at": x.created_at.isoformat(),
            }
            for x in shown
        ],
    }
