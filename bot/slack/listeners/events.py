"""Lifecycle events of the app in a workspace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.container import Container

log = logging.getLogger(__name__)


LIFECYCLE = frozenset({"app_uninstalled", "tokens_revoked"})


def register(app: App, c: Container) -> None:
    @app.middleware
    def reinstalled(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        """Slack only sends a verified request from a workspace where the app is installed:
        one from a workspace marked uninstalled means it was installed again (single-token
        mode has no install event), which cancels the purge. The uninstall events
        themselves do not count."""
        team = context.team_id or ""
        event = body.get("event") if isinstance(body, dict) else None
        kind = event.get("type") if isinstance(event, dict) else None
        if team and kind not in LIFECYCLE and c.workspaces.known_uninstalled(team):
            c.workspaces.installed(team)
        return next()

    @app.event("app_uninstalled")
    def uninstalled(body: dict[str, Any]) -> None:
        """Nothing more is sent to the workspace; its data is purged after the grace period
        unless the app is installed again before."""
        team = str(body.get("team_id") or "")
        if team:
            c.workspaces.uninstalled(team, "app_uninstalled")

    @app.event("tokens_revoked")
    def revoked(body: dict[str, Any]) -> None:
        """A revoked bot token means the bot cannot speak there any more: as an uninstall.
        Revoked user tokens alone (the bot asks for none) change nothing."""
        team = str(body.get("team_id") or "")
        tokens = (body.get("event") or {}).get("tokens") or {}
        if team and tokens.get("bot"):
            c.workspaces.uninstalled(team, "tokens_revoked")
        else:
            log.info("user tokens revoked in team %s; the bot's own token is unaffected", team)
