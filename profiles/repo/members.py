"""Members of a workspace: first contact, profile fields, delivery preferences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from profiles.db import now
from profiles.errors import InvalidInput, NotFound
from profiles.models import CADENCES, CONSENTS, Entry, Member
from profiles.repo._common import chunks, rowcount

ORG_BY_MEMBER = "member"
ORG_MAX_CHARS = 200  # the column's width


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
    consent: str = "self",
) -> Member:
    """Return the member, creating it on first contact; given fields are updated.

    ``organisation`` comes from elsewhere than the member (an import): it never
    replaces one the member typed (:func:`set_organisation`).

    ``consent`` applies to a new row only ("imported" for rows from a file): an
    import never takes back what a member agreed to.

    Safe against a concurrent first contact of the same member (two quick describes):
    both may insert, the unique (team, user) key keeps one row, and both use it.
    """
    member = get_member(s, team_id, user_id)
    if member is None:
        _insert_member(s, team_id, user_id, display_name or user_id, consent)
        member = get_member(s, team_id, user_id)
        if member is None:  # only if the row was deleted again in between
            raise NotFound(f"no member {user_id}")
    if display_name:
        member.display_name = display_name
    if organisation is not None and member.organisation_source != ORG_BY_MEMBER:
        member.organisation = organisation
        member.organisation_source = "import" if organisation else ""
    if language in ("de", "en"):
        member.language = language
    s.flush()
    return member


def _insert_member(
    s: Session, team_id: str, user_id: str, display_name: str, consent: str = "self"
) -> None:
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
        "consent": consent if consent in CONSENTS else "self",
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


def set_organisation(s: Session, team_id: str, user_id: str, organisation: str) -> Member:
    """The organisation as the member typed it (empty: none); it wins over any other."""
    if len(organisation) > ORG_MAX_CHARS:
        raise InvalidInput(f"organisation longer than {ORG_MAX_CHARS} characters")
    member = upsert_member(s, team_id, user_id)
    member.organisation = organisation
    member.organisation_source = ORG_BY_MEMBER
    return member


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
    if opted_in:
        if member.cadence == "paused":
            member.cadence = "weekly"
        # Ignored digests are counted again from zero, and a timed pause ends now.
        member.paused_until = None
        member.paused_reason = ""
        member.resumed_at = now(s)
    return member


def pause_until(s: Session, team_id: str, user_id: str, until: datetime) -> Member:
    """Pause the member's digests until ``until``; they resume by themselves after it."""
    member = upsert_member(s, team_id, user_id)
    member.paused_until = until
    member.paused_reason = ""
    member.resumed_at = until
    return member


def auto_pause(s: Session, team_id: str, user_id: str) -> bool:
    """Pause a member who ignores their digests; False if they were paused already
    (by another process, or by themselves): only one caller tells them."""
    result = s.execute(
        update(Member)
        .where(
            Member.team_id == team_id,
            Member.user_id == user_id,
            Member.opted_in.is_(True),
            Member.paused_reason == "",
        )
        .values(opted_in=False, paused_reason="auto", version=Member.version + 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def paused_users(s: Session, team_id: str, at: datetime) -> set[str]:
    """Members who do not read suggestions now: paused for a while, or automatically."""
    rows = s.scalars(
        select(Member.user_id).where(
            Member.team_id == team_id,
            or_(Member.paused_until > at, Member.paused_reason == "auto"),
        )
    )
    return set(rows)


def set_language(s: Session, team_id: str, user_id: str, language: str) -> Member:
    if language not in ("de", "en"):
        raise InvalidInput(f"unknown language {language!r}")
    member = upsert_member(s, team_id, user_id)
    member.language = language
    return member


def members_by_user(s: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, Member]:
    wanted = list(dict.fromkeys(user_ids))
    out: dict[str, Member] = {}
    for chunk in chunks(wanted):
        for m in s.scalars(
            select(Member).where(Member.team_id == team_id, Member.user_id.in_(chunk))
        ):
            out[m.user_id] = m
    return out


def member_ids_with_entries(s: Session, team_id: str) -> Sequence[str]:
    return list(
        s.scalars(
            select(Member.user_id)
            .join(Entry)
            .where(Member.team_id == team_id, Entry.archived.is_(False))
            .distinct()
        )
    )


def consenting_user_ids(s: Session, team_id: str, user_ids: Iterable[str]) -> set[str]:
    """Those of ``user_ids`` who agreed to be contacted (described themselves or accepted)."""
    return {u for u, m in members_by_user(s, team_id, user_ids).items() if m.consenting}


def accept_member(s: Session, team_id: str, user_id: str) -> Member:
    """The member agreed: an imported or invited member becomes a normal one."""
    member = require_member(s, team_id, user_id)
    if not member.consenting:
        member.consent = "accepted"
    return member


def members_to_invite(s: Session, team_id: str) -> list[Member]:
    """Imported members nobody has invited yet (the invitation goes out at most once)."""
    return list(
        s.scalars(
            select(Member)
            .options(selectinload(Member.entries))
            .where(Member.team_id == team_id, Member.consent == "imported")
            .order_by(Member.user_id)
        )
    )


def mark_invited(s: Session, team_id: str, user_id: str) -> bool:
    """Record the invitation; False if it was already recorded (by another process)."""
    done = s.execute(
        update(Member)
        .where(Member.team_id == team_id, Member.user_id == user_id, Member.consent == "imported")
        .values(consent="invited", invited_at=now(s))
    )
    return rowcount(done) == 1


def unmark_invited(s: Session, team_id: str, user_id: str) -> None:
    """The invitation could not be delivered: the member may be invited again."""
    s.execute(
        update(Member)
        .where(Member.team_id == team_id, Member.user_id == user_id, Member.consent == "invited")
        .values(consent="imported", invited_at=None)
    )


def team_ids(s: Session) -> list[str]:
    return list(s.scalars(select(Member.team_id).distinct()))
