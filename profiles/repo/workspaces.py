"""Installation state of workspaces, and deleting every row of one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from profiles.db import now
from profiles.models import CONSENTING, Base, Member, Workspace
from profiles.repo._common import rowcount


def workspace_active(s: Session, team_id: str) -> bool:
    """False from the moment the app is uninstalled or its token revoked."""
    row = s.get(Workspace, team_id)
    return row is None or row.status == "active"


def mark_uninstalled(s: Session, team_id: str, grace: timedelta) -> Workspace:
    """Stop everything for the workspace; its data goes once ``grace`` has passed.

    A second event (tokens_revoked after app_uninstalled) keeps the first deadline.
    """
    row = s.get(Workspace, team_id)
    if row is None:
        row = Workspace(team_id=team_id)
        s.add(row)
    if row.status != "uninstalled":
        stamp = now(s)
        row.status = "uninstalled"
        row.uninstalled_at = stamp
        row.purge_after = stamp + grace
    s.flush()
    return row


def mark_installed(s: Session, team_id: str) -> bool:
    """The app is (re)installed; True if this cancelled a pending purge."""
    row = s.get(Workspace, team_id)
    if row is None:
        s.add(Workspace(team_id=team_id, status="active"))
        s.flush()
        return False
    restored = row.status != "active"
    row.status = "active"
    row.uninstalled_at = None
    row.purge_after = None
    return restored


def purges_due(s: Session, at: datetime) -> list[str]:
    return list(
        s.scalars(
            select(Workspace.team_id).where(
                Workspace.status == "uninstalled", Workspace.purge_after <= at
            )
        )
    )


def uninstalled_teams(s: Session) -> list[str]:
    return list(s.scalars(select(Workspace.team_id).where(Workspace.status == "uninstalled")))


def team_tables() -> list[str]:
    """Every table with a team_id column, children before parents."""
    return [t.name for t in reversed(Base.metadata.sorted_tables) if "team_id" in t.c]


def purge_team(s: Session, team_id: str) -> dict[str, int]:
    """Delete every row of the workspace in every table that carries a team id.

    Generic over the models, so a table added later is purged without a change here.
    """
    counts: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        if "team_id" in table.c:
            done = s.execute(delete(table).where(table.c.team_id == team_id))
            counts[table.name] = rowcount(done)
    return counts


def count_team_rows(s: Session, team_id: str) -> dict[str, int]:
    """Rows of the workspace per table (for `workspace list` and the purge test)."""
    out: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if "team_id" in table.c:
            n = s.scalar(select(func.count()).select_from(table).where(table.c.team_id == team_id))
            out[table.name] = int(n or 0)
    return out


def workspace_overview(s: Session) -> list[tuple[str, str, datetime | None, int, int]]:
    """(team, status, purge_after, members who agreed, imported not yet agreed) per team."""
    rows = {w.team_id: w for w in s.scalars(select(Workspace))}
    counts: dict[str, list[int]] = {}
    for team, consent, n in s.execute(
        select(Member.team_id, Member.consent, func.count()).group_by(
            Member.team_id, Member.consent
        )
    ):
        c = counts.setdefault(str(team), [0, 0])
        c[0 if consent in CONSENTING else 1] += int(n)
    out = []
    for team in sorted(set(rows) | set(counts)):
        w = rows.get(team)
        members, invited = counts.get(team, [0, 0])
        status = w.status if w else "active"
        out.append((team, status, w.purge_after if w else None, members, invited))
    return out
