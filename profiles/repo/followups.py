"""Introductions of two members and the follow-up questions about them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from profiles.db import now
from profiles.errors import InvalidInput
from profiles.models import Followup, Introduction
from profiles.repo._claims import finish, insert_claim, reclaim, to_sweep
from profiles.repo._common import rowcount

# The stages of a pair's follow-up and the answers each takes.
MET, MET_AGAIN, COLLAB = "met", "met_again", "collab"
STAGES = (MET, MET_AGAIN, COLLAB)
MET_ANSWERS = ("yes", "not_yet", "no_contact", "not_fit")
COLLAB_ANSWERS = ("project", "data", "in_touch", "no")
ANSWERS = {MET: MET_ANSWERS, MET_AGAIN: MET_ANSWERS, COLLAB: COLLAB_ANSWERS}


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def record_introduction(
    s: Session, team_id: str, a: str, b: str, *, starter: str, source: str, channel: str = ""
) -> Introduction | None:
    """Remember that the bot introduced ``a`` and ``b``; None if the pair was introduced
    before (follow-ups ask about a pair once, however often it was connected)."""
    if a == b:
        raise InvalidInput("an introduction needs two people")
    lo, hi = pair(a, b)
    intro = Introduction(
        team_id=team_id, user_a=lo, user_b=hi, starter=starter, source=source, channel=channel
    )
    try:
        with s.begin_nested():
            s.add(intro)
            s.flush()
    except IntegrityError:
        return None
    return intro


def introductions(s: Session, team_id: str, before: datetime | None = None) -> list[Introduction]:
    """The workspace's introductions (made before ``before``), oldest first, with follow-ups."""
    q = (
        select(Introduction)
        .options(selectinload(Introduction.followups))
        .where(Introduction.team_id == team_id)
    )
    if before is not None:
        q = q.where(Introduction.created_at <= before)
    return list(s.scalars(q.order_by(Introduction.created_at, Introduction.id)))


def followup_keys(s: Session, team_id: str) -> set[tuple[int, str, str]]:
    """(introduction, stage, member) of every follow-up claimed, whatever its status."""
    rows = s.execute(
        select(Followup.intro_id, Followup.stage, Followup.user_id).where(
            Followup.team_id == team_id
        )
    )
    return {(i, st, u) for i, st, u in rows}


def answered(
    s: Session, team_id: str, stages: Iterable[str], answers: Iterable[str], before: datetime
) -> list[Followup]:
    """Follow-ups answered with one of ``answers`` at or before ``before``."""
    return list(
        s.scalars(
            select(Followup)
            .options(selectinload(Followup.introduction))
            .where(
                Followup.team_id == team_id,
                Followup.stage.in_(list(stages)),
                Followup.answer.in_(list(answers)),
                Followup.answered_at <= before,
            )
            .order_by(Followup.id)
        )
    )


def claim_followup(
    s: Session,
    team_id: str,
    intro_id: int,
    user_id: str,
    stage: str,
    owner: str,
    payload: dict[str, Any],
) -> Followup | None:
    """Insert the follow-up for (introduction, stage, member); None if another process has it."""
    if stage not in STAGES:
        raise InvalidInput(f"unknown follow-up stage {stage!r}")
    return insert_claim(
        s,
        Followup(
            team_id=team_id,
            intro_id=intro_id,
            user_id=user_id,
            stage=stage,
            owner=owner,
            payload=payload,
        ),
    )


def followups_to_sweep(
    s: Session,
    team_id: str,
    *,
    stuck_before: datetime,
    max_attempts: int,
    permanent_errors: Iterable[str],
) -> list[Followup]:
    """Follow-ups never delivered (see profiles.repo._claims.to_sweep)."""
    return to_sweep(
        s,
        Followup,
        team_id,
        stuck_before=stuck_before,
        max_attempts=max_attempts,
        permanent_errors=permanent_errors,
    )


def reclaim_followup(s: Session, claim: Followup, owner: str) -> bool:
    return reclaim(s, Followup, claim, owner)


def finish_followup(s: Session, claim_id: int, owner: str, *, sent: bool, error: str = "") -> bool:
    return finish(s, Followup, claim_id, owner, sent=sent, error=error)


def set_followup_payload(s: Session, claim_id: int, payload: dict[str, Any]) -> None:
    """The message as rendered once the claim (and so its id, in the buttons) exists."""
    s.execute(
        update(Followup)
        .where(Followup.id == claim_id)
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )


def answer_followup(
    s: Session, team_id: str, user_id: str, followup_id: int, answer: str
) -> tuple[Followup, bool] | None:
    """Store the member's answer to their own follow-up, once.

    None if there is no such follow-up of this member in this workspace. The first
    answer counts (compare-and-set on an empty answer): a second click, or the same
    click delivered twice, changes nothing. Returns the row (with the stored answer) and
    whether this call stored it.
    """
    row = s.scalars(
        select(Followup)
        .options(selectinload(Followup.introduction))
        .where(
            Followup.id == followup_id,
            Followup.team_id == team_id,
            Followup.user_id == user_id,
        )
    ).first()
    if row is None:
        return None
    if answer not in ANSWERS[row.stage]:
        raise InvalidInput(f"{answer!r} does not answer a {row.stage!r} follow-up")
    result = s.execute(
        update(Followup)
        .where(Followup.id == followup_id, Followup.answer.is_(None))
        .values(answer=answer, answered_at=now(s))
        .execution_options(synchronize_session=False)
    )
    s.refresh(row)
    return row, rowcount(result) == 1


def delete_introductions_of(s: Session, team_id: str, user_id: str) -> int:
    """Forget every introduction of a member (their follow-ups go with them)."""
    rows = list(
        s.scalars(
            select(Introduction).where(
                Introduction.team_id == team_id,
                or_(Introduction.user_a == user_id, Introduction.user_b == user_id),
            )
        )
    )
    for r in rows:
        s.delete(r)
    s.flush()
    return len(rows)


def followup_counts(s: Session, team_id: str) -> dict[str, int]:
    """Sent follow-ups and how many were answered, for the stats."""
    rows = list(
        s.execute(select(Followup.status, Followup.answer).where(Followup.team_id == team_id))
    )
    return {
        "followups_sent": sum(1 for st, _a in rows if st == "sent"),
        "followups_answered": sum(1 for st, a in rows if st == "sent" and a is not None),
    }
