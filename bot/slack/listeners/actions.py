"""Buttons in messages: on suggestions, on the profile list and on confirmations."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.container import Container
from bot.flows.commands import Reply
from bot.messages import t
from bot.slack.blocks.suggestions import parse_action_value
from bot.slack.listeners.common import (
    Body,
    StaleButton,
    UnknownId,
    Work,
    can_respond,
    deliver,
    run_work,
    team_and_user,
)
from profiles.ids import parse_id, valid_id

log = logging.getLogger(__name__)

FEEDBACK = {"suggestion_not_relevant": "not_relevant", "suggestion_known": "known"}


def _in_home(body: Body) -> bool:
    view = body.get("view")
    return isinstance(view, dict) and view.get("type") == "home"


def _answer(
    c: Container, body: Body, respond: Respond | None, client: WebClient, reply: Reply
) -> None:
    """Reply through the message's response URL, or refresh the App Home it came from."""
    team, user = team_and_user(body)
    if _in_home(body):
        client.views_publish(user_id=user, view=c.members.home(team, user))
    elif can_respond(body):
        deliver(reply, respond, client)
    else:
        c.notifier.for_team(team).dm(user, reply.text, reply.blocks)


def _suggestion_ref(action: dict[str, Any]) -> tuple[str, int]:
    try:
        other, entry_id, _source = parse_action_value(str(action.get("value", "")))
    except ValueError as exc:
        raise StaleButton(str(action.get("value"))) from exc
    if not valid_id(entry_id):
        raise UnknownId("bot.error.unknown_entry", entry_id)
    return other, entry_id


def _entry_id(action: dict[str, Any]) -> int:
    value = str(action.get("value", ""))
    if not (value.isascii() and value.isdigit()):
        raise StaleButton(value)
    entry_id = parse_id(value)
    if entry_id is None:
        raise UnknownId("bot.error.unknown_entry", value)
    return entry_id


def register(app: App, c: Container) -> None:
    def run(
        body: Body, respond: Respond | None, client: WebClient, work: Work, *, quick: bool = False
    ) -> None:
        """Do ``work`` after the ack and answer where the button was."""
        run_work(
            c,
            body,
            respond,
            work,
            lambda reply, _lang: _answer(c, body, respond, client, reply),
            quick=quick,
        )

    @app.action("suggestion_connect")
    def connect(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Connect us: a group DM of the two with an intro."""
        ack()

        def work(team: str, user: str, lang: str) -> Reply:
            other, entry_id = _suggestion_ref(action)
            return c.members.connect(team, user, other, entry_id, lang)

        run(body, respond, client, work)

    def feedback(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Not relevant / we know each other: stored, never suggested again."""
        ack()
        kind = FEEDBACK[str(action["action_id"])]

        def work(team: str, user: str, lang: str) -> Reply:
            other, _entry = _suggestion_ref(action)
            return c.members.feedback(team, user, other, kind, lang)

        run(body, respond, client, work)

    for action_id in FEEDBACK:
        app.action(action_id)(feedback)

    @app.action("digest_pause")
    def pause(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """Pause the digest from any suggestion."""
        ack()
        run(body, respond, client, lambda tm, u, lg: c.members.set_opt_in(tm, u, False, lg))

    @app.action("entry_edit")
    def edit(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Open the modal with the entry, on the quick pool: the trigger id expires in 3 s."""
        ack()
        trigger = str(body.get("trigger_id", ""))

        def work(team: str, user: str, lang: str) -> Reply | None:
            view = c.members.modal(lang, _entry_id(action), team_id=team, user_id=user)
            deliver(Reply(text="", view=view), None, client, trigger_id=trigger, lang=lang)
            return None

        run(body, respond, client, work, quick=True)

    @app.action("entry_delete")
    def delete(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Delete one of the member's own entries."""
        ack()
        run(
            body,
            respond,
            client,
            lambda tm, u, lg: c.members.delete_entry(tm, u, _entry_id(action), lg),
        )

    @app.action("forget_confirm")
    def forget(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """The member confirmed: delete everything about them."""
        ack()
        run(body, respond, client, c.members.forget_confirmed)

    @app.action("forget_cancel")
    def keep(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """Nothing is deleted."""
        ack()

        def work(team: str, user: str, lang: str) -> Reply:
            return Reply(text=t("bot.forget.cancelled", lang), replace_original=True)

        run(body, respond, client, work, quick=True)
