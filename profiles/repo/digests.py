"""Weekly digests: recipients, per-period claims, and nudges about stale entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from profiles.db import now
from profiles.models import CONSENTING, DigestClaim, Entry, Feedback, Member
from profiles.repo._claims import finish, insert_claim, reclaim, to_sweep
from profiles.repo._common import rowcount
from profiles.repo.entries import own_entry


def digest_recipients(s: Session, team_id: str, at: datetime | None = None) -> list[Member]:
    """Opted-in members with a cadence other than paused who have at least one active entry
    (and, with ``at``, whose pause for a while is over by then).

    Imported members who have not accepted their invitation get nothing.
    """
    with_entries = select(Entry.member_id).where(
        Entry.team_id == team_id, Entry.archived.is_(False)
    )
    return list(
        s.scalars(
            select(Member)
            .where(
                Member.team_id == team_id,
                Member.opted_in.is_(True),
                Member.consent.in_(CONSENTING),
                Member.cadence != "paused",
                Member.id.in_(with_entries),
                *(
                    [or_(Member.paused_until.is_(None), Member.paused_until <= at)]
                    if at is not None
                    else []
                ),
            )
            .order_by(Member.user_id)
        )
    )


def ignored_digests(s: Session, team_id: str) -> dict[str, int]:
    """Per opted-in member: digests sent since their last click (any feedback) or resume.

    A member absent from the result has no such digest.
    """
    last_click = dict(
        s.execute(
            select(Feedback.user_id, func.max(Feedback.created_at))
            .where(Feedback.team_id == team_id)
            .group_by(Feedback.user_id)
        ).all()
    )
    members = {
        m.user_id: m.resumed_at
        for m in s.scalars(
            select(Member).where(Member.team_id == team_id, Member.opted_in.is_(True))
        )
    }
    out: dict[str, int] = {}
    rows = s.execute(
        select(DigestClaim.user_id, DigestClaim.sent_at).where(
            DigestClaim.team_id == team_id, DigestClaim.status == "sent"
        )
    )
    for user, sent_at in rows:
        if user not in members or sent_at is None:
            continue
        marks = [x for x in (last_click.get(user), members[user]) if x is not None]
        if marks and sent_at <= max(marks):
            continue
        out[user] = out.get(user, 0) + 1
    return out


def claimed_keys(s: Session, team_id: str, periods: Iterable[str]) -> set[tuple[str, str]]:
    """(user, period) of every digest claim of these periods, whatever its status."""
    keys = list(set(periods))
    if not keys:
        return set()
    rows = s.execute(
        select(DigestClaim.user_id, DigestClaim.period).where(
            DigestClaim.team_id == team_id, DigestClaim.period.in_(keys)
        )
    )
    return {(u, p) for u, p in rows}


def digests_sent_since(
    s: Session, team_id: str, since: datetime
) -> dict[str, tuple[str, datetime]]:
    """Each member's latest sent digest since ``since``: (period, sent_at)."""
    rows = s.execute(
        select(DigestClaim.user_id, DigestClaim.period, DigestClaim.sent_at)
        .where(
            DigestClaim.team_id == team_id,
            DigestClaim.status == "sent",
            DigestClaim.sent_at >= since,
        )
        .order_by(DigestClaim.sent_at)
    )
    return {u: (p, at) for u, p, at in rows if at is not None}


def claim_digest(
    s: Session, team_id: str, user_id: str, period: str, owner: str, payload: dict[str, Any]
) -> DigestClaim | None:
    """Insert the claim for (team, user, period); None if another process holds it."""
    return insert_claim(
        s,
        DigestClaim(team_id=team_id, user_id=user_id, period=period, owner=owner, payload=payload),
    )


def claims_to_sweep(
    s: Session,
    team_id: str,
    *,
    stuck_before: datetime,
    max_attempts: int,
    permanent_errors: Iterable[str],
) -> list[DigestClaim]:
    """Digest claims never delivered (see profiles.repo._claims.to_sweep)."""
    return to_sweep(
        s,
        DigestClaim,
        team_id,
        stuck_before=stuck_before,
        max_attempts=max_attempts,
        permanent_errors=permanent_errors,
    )


def reclaim_digest(s: Session, claim: DigestClaim, owner: str) -> bool:
    """Take over a stuck or failed digest claim; False if another sweeper was faster."""
    return reclaim(s, DigestClaim, claim, owner)


def finish_digest(s: Session, claim_id: int, owner: str, *, sent: bool, error: str = "") -> bool:
    """Mark a claim sent or failed, if ``owner`` still holds it."""
    return finish(s, DigestClaim, claim_id, owner, sent=sent, error=error)


def digest_claims(s: Session, team_id: str, period: str | None = None) -> list[DigestClaim]:
    q = select(DigestClaim).where(DigestClaim.team_id == team_id)
    if period is not None:
        q = q.where(DigestClaim.period == period)
    return list(s.scalars(q.order_by(DigestClaim.id)))


def stale_entries(s: Session, team_id: str, older_than: datetime) -> list[Entry]:
    """Entries not updated since ``older_than`` and not yet nudged about it (of members who
    agreed to be contacted: an imported entry's owner hears nothing before the invitation)."""
    consenting = select(Member.id).where(Member.team_id == team_id, Member.consent.in_(CONSENTING))
    return list(
        s.scalars(
            select(Entry)
            .options(selectinload(Entry.member))
            .where(
                Entry.member_id.in_(consenting),
                Entry.team_id == team_id,
                Entry.archived.is_(False),
                Entry.updated_at < older_than,
                Entry.nudged_at.is_(None),
            )
        )
    )


def mark_nudged(s: Session, entry_id: int) -> bool:
    """Record the stale-entry nudge once; False if it was already recorded."""
    result = s.execute(
        update(Entry)
        .where(Entry.id == entry_id, Entry.nudged_at.is_(None))
        .values(nudged_at=now(s))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def confirm_entry_current(s: Session, team_id: str, user_id: str, entry_id: int) -> Entry:
    """The owner says a stale entry is still current: it counts as updated now."""
    entry = own_entry(s, team_id, user_id, entry_id)
    entry.updated_at = now(s)
    entry.nudged_at = None
    return entry
