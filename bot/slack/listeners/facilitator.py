"""Buttons of the facilitator's workshop preview, its edit modal, and the stale-entry nudge.

The slash subcommands (digest, workshop, stats) are registered with the router
by importing bot.facilitator; this module adds the button and modal listeners.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows import facilitator
from bot.flows.commands import Reply, friendly_error
from bot.flows.members import Services
from bot.messages import t
from bot.slack.listeners.common import (
    Body,
    can_respond,
    deliver,
    later,
    respond_or_dm,
    run_work,
    team_and_user,
)
from profiles import repo
from profiles.ids import parse_id

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def answer(body: Body, respond: Respond, client: WebClient, reply: Reply, lang: str) -> None:
        if reply.view is not None or can_respond(body):
            trigger = str(body.get("trigger_id", ""))
            responder = respond if can_respond(body) else None
            deliver(reply, responder, client, trigger_id=trigger, lang=lang)
        else:
            _, user = team_and_user(body)
            services.notifier.dm(user, reply.text, reply.blocks)

    def run(
        body: Body, respond: Respond, client: WebClient, work: Any, *, quick: bool = False
    ) -> None:
        run_work(
            services,
            body,
            respond,
            work,
            lambda reply, lang: answer(body, respond, client, reply, lang),
            quick=quick,
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

    @app.action(facilitator.EDIT_ACTION)
    def on_edit(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Open the edit modal, on the quick pool: the trigger id expires in 3 s."""
        ack()
        value, url = str(action.get("value", "")), str(body.get("response_url") or "")
        run(
            body,
            respond,
            client,
            lambda tm, u, lg: facilitator.open_edit(services, tm, u, value, url, lg),
            quick=True,
        )

    @app.view(facilitator.EDIT_CALLBACK)
    def on_edit_submitted(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        """Validate before the ack (errors show next to the fields), apply after it."""
        team, user = team_and_user(body)
        edit = facilitator.read_edit(view)
        try:
            errors = facilitator.check_edit(services, team, user, edit)
        except Exception as exc:
            # A plan that is gone or a database outage: say so in the modal rather
            # than closing it as if the edit had worked.
            known = friendly_error(exc, edit.lang)
            if known is None:
                raise
            errors = {"action": known.text}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

        def job() -> None:
            reply = facilitator.apply_edit(services, team, edit)
            respond_or_dm(services, edit.response_url, user, reply)

        later(services, job, lang=lambda: edit.lang, dm_user=user)

    def on_stale(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """The owner of a year-old entry keeps or archives it."""
        ack()
        action_id, value = str(action.get("action_id", "")), str(action.get("value", ""))

        def work(team: str, user: str, lang: str) -> Reply:
            if not (value.isascii() and value.isdigit()):
                return Reply(text=t("bot.error.stale_button", lang))
            entry_id = parse_id(value)
            if entry_id is None:
                return Reply(text=t("bot.error.unknown_entry", lang))
            with services.store.session() as s:
                if action_id == "stale_archive":
                    repo.set_archived(s, team, user, entry_id, True)
                    key = "digest.stale.archived"
                else:
                    repo.confirm_entry_current(s, team, user, entry_id)
                    key = "digest.stale.confirmed"
            return Reply(text=t(key, lang), replace_original=True)

        run(body, respond, client, work)

    app.action("stale_current")(on_stale)
    app.action("stale_archive")(on_stale)
