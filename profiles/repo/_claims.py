"""Claim-and-sweep on any table of "send once" rows (digests, follow-ups).

A row is inserted before its message is sent; the table's unique key lets only one
process insert it. These helpers are the rest of the protocol, shared so that both
kinds of message have exactly the same guarantee.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from profiles.db import now
from profiles.models import DigestClaim, Followup
from profiles.repo._common import rowcount

C = TypeVar("C", DigestClaim, Followup)


def insert_claim(s: Session, claim: C) -> C | None:
    """Insert ``claim``; None if its unique key is taken (another process claimed it).

    Of two concurrent inserts exactly one succeeds, on SQLite and PostgreSQL alike.
    A savepoint keeps the surrounding transaction usable after the violation.
    """
    try:
        with s.begin_nested():
            s.add(claim)
            s.flush()
    except IntegrityError:
        return None
    return claim


def to_sweep(
    s: Session,
    model: type[C],
    team_id: str,
    *,
    stuck_before: datetime,
    max_attempts: int,
    permanent_errors: Iterable[str],
) -> list[C]:
    """Claims never delivered: failed for a passing reason, or claimed by a process that
    has not finished since ``stuck_before`` (it crashed)."""
    return list(
        s.scalars(
            select(model)
            .where(
                model.team_id == team_id,
                model.attempts < max_attempts,
                or_(
                    (model.status == "claimed") & (model.claimed_at < stuck_before),
                    (model.status == "failed") & model.error.not_in(list(permanent_errors)),
                ),
            )
            .order_by(model.id)
        )
    )


def reclaim(s: Session, model: type[C], claim: C, owner: str) -> bool:
    """Take over a claim found by ``to_sweep``; False if another sweeper was faster.

    Compare-and-set on (status, attempts): both sweepers read the same row, only
    the first update still matches it.
    """
    result = s.execute(
        update(model)
        .where(
            model.id == claim.id,
            model.status == claim.status,
            model.attempts == claim.attempts,
        )
        .values(status="claimed", owner=owner, attempts=claim.attempts + 1, claimed_at=now(s))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def finish(
    s: Session, model: type[C], claim_id: int, owner: str, *, sent: bool, error: str = ""
) -> bool:
    """Mark a claim sent or failed, if ``owner`` still holds it."""
    values: dict[str, Any] = {"status": "sent" if sent else "failed", "error": error[:300]}
    if sent:
        values["sent_at"] = now(s)
    result = s.execute(
        update(model)
        .where(model.id == claim_id, model.owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1
