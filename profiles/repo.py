"""Repository functions: every query of the application lives here, scoped by team id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from profiles.db import now
from profiles.errors import InvalidInput, NotFound
from profiles.ids import valid_id
from profiles.models import (
    CADENCES,
    FEEDBACK_KINDS,
    KINDS,
    DigestClaim,
    Entry,
    EntryVector,
    Feedback,
    Member,
    SuggestionLog,
    TeamRevision,
    TeamSettings,
    WorkshopPlan,
)


@dataclass
class EntryData:
    """What a member (or an import row) says about a project or dataset."""

    title: str = ""
    description: str = ""
    kind: str = "project"
    target_groups: list[str] = field(default_factory=list)
    detected_groups: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    region: str = ""
    looking_for: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    external_id: str | None = None


# ---------------------------------------------------------------- members


def get_member(s: Session, team_id: str, user_id: str) -> Member | None:
    return s.scalar(select(Member).where(Member.team_id == team_id, Member.user_id == user_id))


def require_member(s: Session, team_id: str, user_id: str) -> Member:
    member = get_member(s, team_id, user_id)
    if member is None:
        raise NotFound(f"no member {user_id}")
    return member


def upsert_member(
    s: Session,
    team_id: str,
    user_id: str,
    *,
    display_name: str | None = None,
    organisation: str | None = None,
    language: str | None = None,
) -> Member:
    """Return the member, creating it on first contact; given fields are updated.

    Safe against a concurrent first contact of the same member (two quick describes):
    both may insert, the unique (team, user) key keeps one row, and both use it.
    """
    member = get_member(s, team_id, user_id)
    if member is None:
        _insert_member(s, team_id, user_id, display_name or user_id)
        member = get_member(s, team_id, user_id)
        if member is None:  # only if the row was deleted again in between
            raise NotFound(f"no member {user_id}")
    if display_name:
        member.display_name = display_name
    if organisation is not None:
        member.organisation = organisation
    if language in ("de", "en"):
        member.language = language
    s.flush()
    return member


def _insert_member(s: Session, team_id: str, user_id: str, display_name: str) -> None:
    """Insert the member unless a row for (team, user) exists or is being inserted.

    A check-then-insert loses when two requests of a new member run at once. ON
    CONFLICT DO NOTHING waits for the other insert (PostgreSQL: its row lock; SQLite:
    the write lock) and then does nothing, so neither request fails.
    """
    stamp = now(s)  # a Core insert: the flush hook that stamps ORM rows does not run
    values = {
        "team_id": team_id,
        "user_id": user_id,
        "display_name": display_name,
        "created_at": stamp,
        "updated_at": stamp,
    }
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else pg_insert
        s.execute(
            insert(Member)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[Member.team_id, Member.user_id])
        )
        return
    # Other backends: the savepoint keeps the transaction usable after the violation.
    try:
        with s.begin_nested():
            s.add(Member(**values))
            s.flush()
    except IntegrityError:
        pass


def list_members(s: Session, team_id: str) -> list[Member]:
    return list(s.scalars(select(Member).where(Member.team_id == team_id).order_by(Member.id)))


def set_cadence(s: Session, team_id: str, user_id: str, cadence: str) -> Member:
    if cadence not in CADENCES:
        raise InvalidInput(f"unknown cadence {cadence!r}")
    member = require_member(s, team_id, user_id)
    member.cadence = cadence
    member.opted_in = cadence != "paused"
    return member


def set_opt_in(s: Session, team_id: str, user_id: str, opted_in: bool) -> Member:
    member = upsert_member(s, team_id, user_id)
    member.opted_in = opted_in
    if opted_in and member.cadence == "paused":
        member.cadence = "weekly"
    return member


def set_language(s: Session, team_id: str, user_id: str, language: str) -> Member:
    if language not in ("de", "en"):
        raise InvalidInput(f"unknown language {language!r}")
    member = upsert_member(s, team_id, user_id)
    member.language = language
    return member


# ---------------------------------------------------------------- entries


def add_entry(s: Session, member: Member, data: EntryData) -> Entry:
    """Store a new entry (or replace an imported one with the same external id)."""
    if data.kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    if not (data.title.strip() or data.description.strip()):
        raise InvalidInput("an entry needs a title or a description")
    entry: Entry | None = None
    if data.external_id:
        entry = get_entry_by_external(s, member.team_id, data.external_id)
    if entry is None:
        entry = Entry(team_id=member.team_id, member_id=member.id)
        s.add(entry)
    else:
        entry.member_id = member.id
    _apply(entry, data, now(s))
    s.flush()
    return entry


def _apply(entry: Entry, data: EntryData, stamp: datetime) -> None:
    entry.title = data.title.strip()
    entry.description = data.description.strip()
    entry.kind = data.kind
    entry.target_groups = list(data.target_groups)
    entry.detected_groups = list(data.detected_groups)
    entry.tools = list(data.tools)
    entry.region = data.region
    entry.looking_for = list(data.looking_for)
    entry.offers = list(data.offers)
    entry.external_id = data.external_id or entry.external_id
    entry.updated_at = stamp


def update_entry(s: Session, team_id: str, user_id: str, entry_id: int, data: EntryData) -> Entry:
    """Replace an entry's content; only its owner may do so."""
    entry = own_entry(s, team_id, user_id, entry_id)
    _apply(entry, data, now(s))
    entry.nudged_at = None
    s.flush()
    return entry


def own_entry(s: Session, team_id: str, user_id: str, entry_id: int) -> Entry:
    if not valid_id(entry_id):
        raise NotFound(f"no entry {entry_id} of yours")
    entry = s.scalar(
        select(Entry)
        .join(Member)
        .where(Entry.id == entry_id, Entry.team_id == team_id, Member.user_id == user_id)
    )
    if entry is None:
        raise NotFound(f"no entry {entry_id} of yours")
    return entry


def delete_entry(s: Session, team_id: str, user_id: str, entry_id: int) -> None:
    s.delete(own_entry(s, team_id, user_id, entry_id))
    s.flush()


def set_archived(s: Session, team_id: str, user_id: str, entry_id: int, archived: bool) -> Entry:
    entry = own_entry(s, team_id, user_id, entry_id)
    entry.archived = archived
    return entry


def get_entry(s: Session, team_id: str, entry_id: int) -> Entry | None:
    if not valid_id(entry_id):
        return None
    return s.scalar(
        select(Entry)
        .options(selectinload(Entry.member))
        .where(Entry.id == entry_id, Entry.team_id == team_id)
    )


def get_entry_by_external(s: Session, team_id: str, external_id: str) -> Entry | None:
    return s.scalar(
        select(Entry)
        .options(selectinload(Entry.member))
        .where(Entry.team_id == team_id, Entry.external_id == external_id)
    )


def entries_of(s: Session, team_id: str, user_id: str) -> list[Entry]:
    return list(
        s.scalars(
            select(Entry)
            .join(Member)
            .where(Entry.team_id == team_id, Member.user_id == user_id)
            .order_by(Entry.id)
        )
    )


def active_entries(s: Session, team_id: str) -> list[Entry]:
    """All non-archived entries of a workspace, with their members loaded."""
    return list(
        s.scalars(
            select(Entry)
            .options(selectinload(Entry.member))
            .where(Entry.team_id == team_id, Entry.archived.is_(False))
            .order_by(Entry.id)
        )
    )


def entries_since(s: Session, team_id: str, since: datetime) -> list[Entry]:
    return list(
        s.scalars(
            select(Entry)
            .options(selectinload(Entry.member))
            .where(Entry.team_id == team_id, Entry.archived.is_(False), Entry.created_at >= since)
            .order_by(Entry.created_at.desc())
        )
    )


def stale_entries(s: Session, team_id: str, older_than: datetime) -> list[Entry]:
    """Entries not updated since ``older_than`` and not yet nudged about it."""
    return list(
        s.scalars(
            select(Entry)
            .options(selectinload(Entry.member))
            .where(
                Entry.team_id == team_id,
                Entry.archived.is_(False),
                Entry.updated_at < older_than,
                Entry.nudged_at.is_(None),
            )
        )
    )


def team_ids(s: Session) -> list[str]:
    return list(s.scalars(select(Member.team_id).distinct()))


# ---------------------------------------------------------------- vectors


def vectors_for(s: Session, team_id: str, model_id: str) -> list[EntryVector]:
    """Stored vectors of active entries that were made by ``model_id``."""
    return list(
        s.scalars(
            select(EntryVector)
            .join(Entry)
            .where(
                EntryVector.team_id == team_id,
                EntryVector.model_id == model_id,
                Entry.archived.is_(False),
            )
        )
    )


def save_vector(
    s: Session,
    entry: Entry,
    *,
    model_id: str,
    text_hash: str,
    vector: bytes,
    dim: int,
    sentence_vectors: bytes,
    sentence_count: int,
) -> EntryVector:
    row = s.get(EntryVector, entry.id)
    if row is None:
        row = EntryVector(entry_id=entry.id, team_id=entry.team_id)
        s.add(row)
    row.model_id = model_id
    row.text_hash = text_hash
    row.vector = vector
    row.dim = dim
    row.sentence_vectors = sentence_vectors
    row.sentence_count = sentence_count
    row.created_at = now(s)
    s.flush()
    return row


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    # Bounded IN lists: SQLite caps bound parameters per statement.
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def entries_by_ids(s: Session, team_id: str, ids: list[int]) -> list[Entry]:
    """Entries of this workspace with these ids, members loaded."""
    out: list[Entry] = []
    for chunk in _chunks(ids):
        out.extend(
            s.scalars(
                select(Entry)
                .options(selectinload(Entry.member))
                .where(Entry.team_id == team_id, Entry.id.in_(chunk))
            )
        )
    return out


def vectors_by_ids(s: Session, ids: list[int]) -> dict[int, EntryVector]:
    out: dict[int, EntryVector] = {}
    for chunk in _chunks(ids):
        out.update(
            (v.entry_id, v)
            for v in s.scalars(select(EntryVector).where(EntryVector.entry_id.in_(chunk)))
        )
    return out


def get_vector(s: Session, entry_id: int) -> EntryVector | None:
    if not valid_id(entry_id):
        return None
    return s.get(EntryVector, entry_id)


# ---------------------------------------------------------------- feedback


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
            Feedback.kind.in_(("not_relevant", "known")),
            or_(Feedback.user_id == user_id, Feedback.other_user_id == user_id),
        )
    )
    return {b if a == user_id else a for a, b in rows}


def blocked_pairs(s: Session, team_id: str) -> set[frozenset[str]]:
    rows = s.execute(
        select(Feedback.user_id, Feedback.other_user_id).where(
            Feedback.team_id == team_id, Feedback.kind.in_(("not_relevant", "known"))
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


# ---------------------------------------------------------------- settings


def team_settings(s: Session, team_id: str) -> TeamSettings:
    row = s.get(TeamSettings, team_id)
    if row is None:
        row = TeamSettings(team_id=team_id)
        s.add(row)
        s.flush()
    return row


# ---------------------------------------------------------------- privacy


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
        counts[model.__tablename__] = int(getattr(result, "rowcount", 0) or 0)
    result = s.execute(
        delete(DigestClaim).where(DigestClaim.team_id == team_id, DigestClaim.user_id == user_id)
    )
    counts["digests"] = int(getattr(result, "rowcount", 0) or 0)
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


# ---------------------------------------------------------------- statistics


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


def member_ids_with_entries(s: Session, team_id: str) -> Sequence[str]:
    return list(
        s.scalars(
            select(Member.user_id)
            .join(Entry)
            .where(Member.team_id == team_id, Entry.archived.is_(False))
            .distinct()
        )
    )


# ================================================================ digests, workshops, statistics
# (issue 5: weekly digests, facilitator workshops, community statistics)


def digest_recipients(s: Session, team_id: str) -> list[Member]:
    """Opted-in members with a cadence other than paused who have at least one active entry."""
    with_entries = select(Entry.member_id).where(
        Entry.team_id == team_id, Entry.archived.is_(False)
    )
    return list(
        s.scalars(
            select(Member)
            .where(
                Member.team_id == team_id,
                Member.opted_in.is_(True),
                Member.cadence != "paused",
                Member.id.in_(with_entries),
            )
            .order_by(Member.user_id)
        )
    )


def members_by_user(s: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, Member]:
    wanted = list(dict.fromkeys(user_ids))
    out: dict[str, Member] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for m in s.scalars(
            select(Member).where(Member.team_id == team_id, Member.user_id.in_(chunk))
        ):
            out[m.user_id] = m
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
    """Insert the claim for (team, user, period); None if another process holds it.

    The unique constraint is the guarantee: of two concurrent inserts exactly
    one succeeds, on SQLite and PostgreSQL alike. A savepoint keeps the
    surrounding transaction usable after the violation.
    """
    claim = DigestClaim(
        team_id=team_id, user_id=user_id, period=period, owner=owner, payload=payload
    )
    try:
        with s.begin_nested():
            s.add(claim)
            s.flush()
    except IntegrityError:
        return None
    return claim


def claims_to_sweep(
    s: Session,
    team_id: str,
    *,
    stuck_before: datetime,
    max_attempts: int,
    permanent_errors: Iterable[str],
) -> list[DigestClaim]:
    """Claims whose digest was never delivered: failed for a passing reason, or claimed
    by a process that has not finished since ``stuck_before`` (it crashed)."""
    return list(
        s.scalars(
            select(DigestClaim)
            .where(
                DigestClaim.team_id == team_id,
                DigestClaim.attempts < max_attempts,
                or_(
                    (DigestClaim.status == "claimed") & (DigestClaim.claimed_at < stuck_before),
                    (DigestClaim.status == "failed")
                    & DigestClaim.error.not_in(list(permanent_errors)),
                ),
            )
            .order_by(DigestClaim.id)
        )
    )


def reclaim_digest(s: Session, claim: DigestClaim, owner: str) -> bool:
    """Take over a claim found by ``claims_to_sweep``; False if another sweeper was faster.

    Compare-and-set on (status, attempts): both sweepers read the same row, only
    the first update still matches it.
    """
    result = s.execute(
        update(DigestClaim)
        .where(
            DigestClaim.id == claim.id,
            DigestClaim.status == claim.status,
            DigestClaim.attempts == claim.attempts,
        )
        .values(status="claimed", owner=owner, attempts=claim.attempts + 1, claimed_at=now(s))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def finish_digest(s: Session, claim_id: int, owner: str, *, sent: bool, error: str = "") -> bool:
    """Mark a claim sent or failed, if ``owner`` still holds it."""
    values: dict[str, Any] = {"status": "sent" if sent else "failed", "error": error[:300]}
    if sent:
        values["sent_at"] = now(s)
    result = s.execute(
        update(DigestClaim)
        .where(DigestClaim.id == claim_id, DigestClaim.owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def digest_claims(s: Session, team_id: str, period: str | None = None) -> list[DigestClaim]:
    q = select(DigestClaim).where(DigestClaim.team_id == team_id)
    if period is not None:
        q = q.where(DigestClaim.period == period)
    return list(s.scalars(q.order_by(DigestClaim.id)))


def team_revision(s: Session, team_id: str) -> int:
    """The workspace's change counter (0 before its first entry or member)."""
    return int(s.scalar(select(TeamRevision.revision).where(TeamRevision.team_id == team_id)) or 0)


def mark_nudged(s: Session, entry_id: int) -> bool:
    """Record the stale-entry nudge once; False if it was already recorded."""
    result = s.execute(
        update(Entry)
        .where(Entry.id == entry_id, Entry.nudged_at.is_(None))
        .values(nudged_at=now(s))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def confirm_entry_current(s: Session, team_id: str, user_id: str, entry_id: int) -> Entry:
    """The owner says a stale entry is still current: it counts as updated now."""
    entry = own_entry(s, team_id, user_id, entry_id)
    entry.updated_at = now(s)
    entry.nudged_at = None
    return entry


def save_workshop_plan(s: Session, plan: WorkshopPlan) -> WorkshopPlan:
    s.add(plan)
    s.flush()
    return plan


def get_workshop_plan(s: Session, team_id: str, plan_id: int) -> WorkshopPlan:
    if not valid_id(plan_id):
        raise NotFound(f"no workshop plan {plan_id}")
    plan = s.scalar(
        select(WorkshopPlan).where(WorkshopPlan.team_id == team_id, WorkshopPlan.id == plan_id)
    )
    if plan is None:
        raise NotFound(f"no workshop plan {plan_id}")
    return plan


def community_stats(s: Session, team_id: str) -> dict[str, int]:
    """Raw counts for /match stats; rates are computed by the caller."""
    members_with_entries = select(Entry.member_id).where(
        Entry.team_id == team_id, Entry.archived.is_(False)
    )
    fb = feedback_counts(s, team_id)
    return {
        "members": count_by(s, Member, team_id),
        "members_with_entries": count_by(s, Member, team_id, Member.id.in_(members_with_entries)),
        "opted_in": count_by(s, Member, team_id, Member.opted_in.is_(True)),
        "entries": count_by(s, Entry, team_id, Entry.archived.is_(False)),
        "digests_sent": count_by(s, DigestClaim, team_id, DigestClaim.status == "sent"),
        "digests_failed": count_by(s, DigestClaim, team_id, DigestClaim.status == "failed"),
        "suggestions_shown": count_by(s, SuggestionLog, team_id),
        "members_suggested": users_with_suggestions(s, team_id),
        "connect": fb.get("connect", 0),
        "not_relevant": fb.get("not_relevant", 0),
        "known": fb.get("known", 0),
    }


def read_team_settings(s: Session, team_id: str) -> TeamSettings:
    """The workspace's own settings, or an unsaved row with none chosen (not stored:
    concurrent digest runs of a new workspace must not race to insert the row)."""
    row = s.get(TeamSettings, team_id)
    if row is not None:
        return row
    return TeamSettings(team_id=team_id, facilitators=[])
