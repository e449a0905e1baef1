"""The `/match` slash command."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.container import Container
from bot.flows.commands import COMMAND
from bot.slack.listeners.common import can_respond, deliver, later

log = logging.getLogger(__name__)


def register(app: App, c: Container) -> None:
    @app.command(COMMAND)
    def match(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """Ack at once; the subcommand runs on a pool (cheap ones on the quick pool)."""
        ack()
        team, user = str(command.get("team_id") or ""), str(command.get("user_id") or "")
        if not team or not user:
            # Slack always sends both; without them there is nobody to answer.
            log.warning("slash command without team or user; ignored")
            return
        # Without a response URL (or with one that was not Slack's, dropped by the
        # middleware) the answer goes by DM.
        responder = respond if can_respond(command) else None
        request = c.commands.parse(str(command.get("text", "")))
        channel = str(command.get("channel_id", ""))
        trigger = str(command.get("trigger_id", ""))
        sub = request.subcommand
        quick = sub is None or sub.is_quick(request.text)

        def job() -> None:
            # Quick answers must not wait for a users.info round trip; the language
            # then comes from the member's setting (or the default for newcomers).
            ctx = c.context(team, user, channel_id=channel, trigger_id=trigger, lookup=not quick)
            reply = c.commands.dispatch(ctx, request)
            deliver(reply, responder, client, trigger_id=trigger, lang=ctx.lang)
            if responder is None and reply.view is None:
                c.notifier.for_team(team).dm(user, reply.text, reply.blocks)

        later(
            c,
            job,
            lang=lambda: c.identity.lang_for(team, user, lookup=False),
            respond=responder,
            dm=(team, user),
            quick=quick,
        )
