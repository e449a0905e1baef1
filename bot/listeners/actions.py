"""Buttons in messages: on suggestions, on the profile list and on confirmations."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import parse_action_value
from bot.listeners.common import Body, can_respond, deliver, later, team_and_user
from bot.router import Reply, friendly_error
from bot.services import Services
from matching.i18n import t

log = logging.getLogger(__name__)

FEEDBACK = {"suggestion_not_relevant": "not_relevant", "suggestion_known": "known"}


def _in_home(body: Body) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def _answer(
    services: Services, body: Body, respond: Respond | None, client: WebClient, reply: Reply
) -> None:
    """Reply in the message's thread of responses, or refresh the App Home it came from."""
    team, user = team_and_user(body)
    if _in_home(body):
        client.views_publish(user_id=user, view=services.home(team, user))
    elif can_respond(body):
        deliver(reply, respond, client)
    else:
        services.notifier.dm(user, reply.text, reply.blocks)


def register(app: App, services: Services) -> None:
    def run(body: Body, respond: Respond | None, client: WebClient, work: Any) -> None:
        team, user = team_and_user(body)
        lang = services.lang_for(team, user, lookup=False)

        def job() -> None:
            try:
                reply = work(team, user, lang)
            except Exception as exc:
                # Known errors (a stale or forged button, a gone member) get a polite
                # answer; bugs propagate to the worker, which logs and apologises.
                known = friendly_error(exc, lang)
                if known is None:
                    raise
                reply = known
            _answer(services, body, respond, client, reply)

        later(
            services,
            job,
            lang=lambda: lang,
            respond=respond if can_respond(body) else None,
            dm_user=user,
        )

    def suggestion_ref(body: Body, action: dict[str, Any]) -> tuple[str, int] | None:
        try:
            other, entry_id, _source = parse_action_value(str(action.get("value", "")))
        except ValueError:
            log.warning("malformed suggestion button value %r", action.get("value"))
            return None
        return other, entry_id

    def stale(body: Body, respond: Respond | None, client: WebClient) -> None:
        team, user = team_and_user(body)
        lang = services.lang_for(team, user, lookup=False)
        _answer(services, body, respond, client, Reply(text=t("bot.error.stale_button", lang)))

    @app.action("suggestion_connect")
    def connect(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Connect us: a group DM of the two with an intro."""
        ack()
        ref = suggestion_ref(body, action)
        if ref is None:
            return stale(body, respond, client)
        other, entry_id = ref
        run(body, respond, client, lambda tm, u, lg: services.connect(tm, u, other, entry_id, lg))

    def feedback(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Not relevant / we know each other: stored, never suggested again."""
        ack()
        ref = suggestion_ref(body, action)
        if ref is None:
            return stale(body, respond, client)
        kind = FEEDBACK[str(action["action_id"])]
        run(body, respond, client, lambda tm, u, lg: services.feedback(tm, u, ref[0], kind, lg))

    for action_id in FEEDBACK:
        app.action(action_id)(feedback)

    @app.action("digest_pause")
    def pause(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """Pause the digest from any suggestion."""
        ack()
        run(body, respond, client, lambda tm, u, lg: services.set_opt_in(tm, u, False, lg))

    @app.action("entry_edit")
    def edit(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Open the modal with the entry; the trigger id expires in 3 s, so not queued."""
        ack()
        team, user = team_and_user(body)
        lang = services.lang_for(team, user, lookup=False)
        try:
            entry_id = int(str(action.get("value", "")))
        except ValueError:
            return stale(body, respond, client)
        view = services.modal(lang, entry_id, team_id=team, user_id=user)
        deliver(
            Reply(text="", view=view),
            respond if can_respond(body) else None,
            client,
            trigger_id=str(body.get("trigger_id", "")),
            lang=lang,
        )

    @app.action("entry_delete")
    def delete(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Delete one of the member's own entries."""
        ack()
        try:
            entry_id = int(str(action.get("value", "")))
        except ValueError:
            return stale(body, respond, client)
        run(body, respond, client, lambda tm, u, lg: services.delete_entry(tm, u, entry_id, lg))

    @app.action("forget_confirm")
    def forget(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """The member confirmed: delete everything about them."""
        ack()
        run(body, respond, client, services.forget_confirmed)

    @app.action("forget_cancel")
    def keep(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """Nothing is deleted."""
        ack()
        team, user = team_and_user(body)
        lang = services.lang_for(team, user, lookup=False)
        reply = Reply(text=t("bot.forget.cancelled", lang), replace_original=True)
        _answer(services, body, respond, client, reply)
