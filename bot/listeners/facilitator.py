"""Buttons of the facilitator's workshop preview and of the stale-entry nudge.

The slash subcommands (digest, workshop, stats) are registered with the router
by importing bot.facilitator; this module adds the button listeners.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import facilitator
from bot.listeners.common import can_respond, deliver, later, team_and_user
from bot.router import Reply, friendly_error
from bot.services import Services
from matching.i18n import t
from profiles import repo

log = logging.getLogger(__name__)

Body = dict[str, Any]


def register(app: App, services: Services) -> None:
    def answer(body: Body, respond: Respond, client: WebClient, reply: Reply) -> None:
        if can_respond(body):
            deliver(reply, respond, client)
        else:
            _, user = team_and_user(body)
            services.notifier.dm(user, reply.text, reply.blocks)

    def run(body: Body, respond: Respond, client: WebClient, work: Any) -> None:
        team, user = team_and_user(body)

        def job() -> None:
            lang = services.lang_for(team, user, lookup=False)
            try:
                reply = work(team, user, lang)
            except Exception as exc:
                known = friendly_error(exc, lang)
                if known is None:
                    raise
                reply = known
            answer(body, respond, client, reply)

        later(
            services,
            job,
            lang=lambda: services.lang_for(team, user, lookup=False),
            respond=respond if can_respond(body) else None,
            dm_user=user,
        )

    def on_workshop(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Reshuffle, CSV or send a workshop plan from its preview."""
        ack()
        action_id, value = str(action.get("action_id", "")), str(action.get("value", ""))
        run(
            body,
            respond,
            client,
            lambda tm, u, lg: facilitator.workshop_action(services, tm, u, action_id, value, lg),
        )

    for action_id in facilitator.WORKSHOP_ACTIONS:
        app.action(action_id)(on_workshop)

    def on_stale(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """The owner of a year-old entry keeps or archives it."""
        ack()
        action_id, value = str(action.get("action_id", "")), str(action.get("value", ""))

        def work(team: str, user: str, lang: str) -> Reply:
            if not value.isdigit():
                return Reply(text=t("bot.error.stale_button", lang))
            with services.store.session() as s:
                if action_id == "stale_archive":
                    repo.set_archived(s, team, user, int(value), True)
                    key = "digest.stale.archived"
                else:
                    repo.confirm_entry_current(s, team, user, int(value))
                    key = "digest.stale.confirmed"
            return Reply(text=t(key, lang), replace_original=True)

        run(body, respond, client, work)

    app.action("stale_current")(on_stale)
    app.action("stale_archive")(on_stale)
