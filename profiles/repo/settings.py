"""Per-workspace settings and the change counter."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from profiles.models import TeamRevision, TeamSettings


def team_settings(s: Session, team_id: str) -> TeamSettings:
    row = s.get(TeamSettings, team_id)
    if row is None:
        row = TeamSettings(team_id=team_id)
        s.add(row)
        s.flush()
    return row


def read_team_settings(s: Session, team_id: str) -> TeamSettings:
    """The workspace's own settings, or an unsaved row with none chosen (not stored:
    concurrent digest runs of a new workspace must not race to insert the row)."""
    row = s.get(TeamSettings, team_id)
    if row is not None:
        return row
    return TeamSettings(team_id=team_id, facilitators=[])


def team_revision(s: Session, team_id: str) -> int:
    """The workspace's change counter (0 before its first entry or member)."""
    return int(s.scalar(select(TeamRevision.revision).where(TeamRevision.team_id == team_id)) or 0)
