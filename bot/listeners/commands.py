"""The `/match` slash command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import router
from bot.listeners.common import deliver, later
from bot.services import Services


def register(app: App, services: Services) -> None:
    @app.command(router.COMMAND)
    def match(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """Ack at once; the subcommand runs on a pool (cheap ones on the quick pool)."""
        ack()
        request = router.parse(str(command.get("text", "")))
        team, user = str(command["team_id"]), str(command["user_id"])
        channel = str(command.get("channel_id", ""))
        trigger = str(command.get("trigger_id", ""))
        sub = request.subcommand
        quick = sub is None or sub.is_quick(request.text)

        def job() -> None:
            # Quick answers must not wait for a users.info round trip; the language
            # then comes from the member's setting (or the default for newcomers).
            ctx = services.context(
                team, user, channel_id=channel, trigger_id=trigger, lookup=not quick
            )
            reply = router.dispatch(ctx, request)
            deliver(reply, respond, client, trigger_id=trigger, lang=ctx.lang)

        later(
            services,
            job,
            lang=lambda: services.lang_for(team, user, lookup=False),
            respond=respond,
            quick=quick,
        )
