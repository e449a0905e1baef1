"""Buttons of the facilitator's workshop preview, its edit modal, and the stale-entry nudge.

The slash subcommands (digest, workshop, stats) are registered with the router
by importing bot.facilitator; this module adds the button and modal listeners.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.container import Container
from bot.flows.commands import Reply, friendly_error
from bot.slack.blocks.workshop import EDIT_ACTION, EDIT_CALLBACK, WORKSHOP_ACTIONS
from bot.slack.listeners.common import (
    Body,
    can_respond,
    deliver,
    later,
    respond_or_dm,
    run_work,
    team_and_user,
)
from bot.slack.views import read_edit

log = logging.getLogger(__name__)


def register(app: App, c: Container) -> None:
    def answer(body: Body, respond: Respond, client: WebClient, reply: Reply, lang: str) -> None:
        if reply.view is not None or can_respond(body):
            trigger = str(body.get("trigger_id", ""))
            responder = respond if can_respond(body) else None
            deliver(reply, responder, client, trigger_id=trigger, lang=lang)
        else:
            team, user = team_and_user(body)
            c.notifier.for_team(team).dm(user, reply.text, reply.blocks)

    def run(
        body: Body, respond: Respond, client: WebClient, work: Any, *, quick: bool = False
    ) -> None:
        run_work(
            c,
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
            lambda tm, u, lg: c.facilitator.workshop_action(tm, u, action_id, value, lg),
        )

    for action_id in WORKSHOP_ACTIONS:
        app.action(action_id)(on_workshop)

    @app.action(EDIT_ACTION)
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
            lambda tm, u, lg: c.facilitator.open_edit(tm, u, value, url, lg),
            quick=True,
        )

    @app.view(EDIT_CALLBACK)
    def on_edit_submitted(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        """Validate before the ack (errors show next to the fields), apply after it."""
        team, user = team_and_user(body)
        edit = read_edit(view)
        try:
            errors = c.facilitator.check_edit(team, user, edit)
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
            reply = c.facilitator.apply_edit(team, edit)
            respond_or_dm(c, edit.response_url, team, user, reply)

        later(c, job, lang=lambda: edit.lang, dm=(team, user))

    def on_stale(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """The owner of a year-old entry keeps or archives it."""
        ack()
        action_id, value = str(action.get("action_id", "")), str(action.get("value", ""))

        def work(team: str, user: str, lang: str) -> Reply:
            return c.members.keep_or_archive(team, user, value, action_id == "stale_archive", lang)

        run(body, respond, client, work)

    app.action("stale_current")(on_stale)
    app.action("stale_archive")(on_stale)
