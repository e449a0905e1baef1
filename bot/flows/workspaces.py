"""Workspaces coming and going: uninstall or revoked tokens stop all sending at once;
the data is purged after a grace period unless the app is installed again."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.flows.delivery import workspace_active
from bot.flows.ports import Installations
from bot.settings import Settings
from matching.service import Matcher
from profiles import repo
from profiles.db import Store
from profiles.errors import StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkspaceRow:
    team_id: str
    status: str
    purge_after: datetime | None
    members: int
    invited: int


class WorkspaceFlows:
    def __init__(self, settings: Settings, store: Store, matcher: Matcher) -> None:
        self.settings = settings
        self.store = store
        self.matcher = matcher
        # Teams this process knows to be uninstalled, so that the check on every request
        # (bot.slack.listeners.events) costs no query; None until first read.
        self._gone: set[str] | None = None
        self._lock = threading.Lock()
        # OAuth mode: the stored installations (tokens), deleted at uninstall and purge.
        self.installations: Installations | None = None

    def known_uninstalled(self, team_id: str) -> bool:
        """Whether ``team_id`` is marked uninstalled; False while the database is down, so
        that an outage never blocks a request (help must answer then)."""
        with self._lock:
            if self._gone is None:
                try:
                    with self.store.session() as s:
                        self._gone = set(repo.uninstalled_teams(s))
                except StoreError as exc:
                    log.info("install state unknown (%s); asked again next request", exc)
                    return False
            return team_id in self._gone

    @property
    def grace(self) -> timedelta:
        return timedelta(days=self.settings.purge_grace_days)

    def active(self, team_id: str) -> bool:
        return workspace_active(self.store, team_id)

    def uninstalled(self, team_id: str, why: str) -> datetime | None:
        """app_uninstalled or tokens_revoked: nothing more is sent to the workspace."""
        with self.store.session() as s:
            row = repo.mark_uninstalled(s, team_id, self.grace)
            purge_after = row.purge_after
        with self._lock:
            if self._gone is not None:
                self._gone.add(team_id)
        if self.installations is not None:
            # The token is dead already (Slack revoked it); a reinstall brings a new one.
            self.installations.forget_team(team_id)
        log.warning("workspace %s: %s; its data is purged after %s", team_id, why, purge_after)
        return purge_after

    def installed(self, team_id: str) -> bool:
        """An install (or reinstall within the grace period, which restores everything)."""
        with self.store.session() as s:
            restored = repo.mark_installed(s, team_id)
        with self._lock:
            if self._gone is not None:
                self._gone.discard(team_id)
        if restored:
            log.info("workspace %s reinstalled: pending purge cancelled", team_id)
        return restored

    def purge(self, team_id: str) -> dict[str, int]:
        """Delete every row of the workspace now."""
        with self.store.session() as s:
            counts = repo.purge_team(s, team_id)
        if self.installations is not None:
            self.installations.forget_team(team_id)
        with self._lock:
            if self._gone is not None:
                self._gone.discard(team_id)
        self.matcher.sync(team_id, force=True)  # drops the pool's entries of the team
        log.warning("workspace %s purged: %s", team_id, counts)
        return counts

    def purge_due(self) -> list[str]:
        """Purge every workspace whose grace period has passed (a scheduler job)."""
        with self.store.session() as s:
            due = repo.purges_due(s, self.store.clock())
        for team in due:
            self.purge(team)
        return due

    def overview(self) -> list[WorkspaceRow]:
        with self.store.session() as s:
            return [WorkspaceRow(*row) for row in repo.workspace_overview(s)]
