"""Facilitator workshop plans."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from profiles.errors import NotFound
from profiles.ids import valid_id
from profiles.models import WorkshopPlan
from profiles.repo._common import rowcount


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


def mark_workshop_sent(s: Session, team_id: str, plan_id: int) -> bool:
    """Move a draft plan to sent; False if it was not a draft any more.

    A conditional update rather than read-then-write: of two concurrent sends of
    the same plan only one sees the draft, so the groups get their DMs once.
    """
    result = s.execute(
        update(WorkshopPlan)
        .where(
            WorkshopPlan.id == plan_id,
            WorkshopPlan.team_id == team_id,
            WorkshopPlan.status == "draft",
        )
        .values(status="sent")
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1
