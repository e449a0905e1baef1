"""Lifecycle events of the app in a workspace."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.container import Container

log = logging.getLogger(__name__)


def register(app: App, c: Container) -> None:
    @app.event("app_uninstalled")
    def uninstalled(body: dict[str, Any]) -> None:
        """Logged only: a reinstall keeps the members' data; `forget` deletes it."""
        log.warning("civic-match was uninstalled from team %s", body.get("team_id"))

    @app.event("tokens_revoked")
    def revoked(body: dict[str, Any]) -> None:
        """Logged only, so that failing Web API calls afterwards have an explanation."""
        log.warning("tokens were revoked in team %s", body.get("team_id"))
