"""Buttons on follow-up questions and on the automatic-pause message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.container import Container
from bot.flows.commands import Reply
from bot.slack.blocks.followups import RESUME_ACTION, all_answer_actions
from bot.slack.listeners.common import Body, can_respond, deliver, run_work, team_and_user


def register(app: App, c: Container) -> None:
    answers = all_answer_actions()

    def reply_here(body: Body, respond: Respond | None, client: WebClient, reply: Reply) -> None:
        if can_respond(body):
            deliver(reply, respond, client)
        else:
            team, user = team_and_user(body)
            c.notifier.for_team(team).dm(user, reply.text, reply.blocks)

    def answer(
        ack: Ack, body: Body, action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """An answer to "did you get in touch?" or "did something come of it?"."""
        ack()
        kind = answers[str(action["action_id"])]
        value = str(action.get("value", ""))
        run_work(
            c,
            body,
            respond,
            lambda team, user, lang: c.followups.answer(team, user, value, kind, lang),
            lambda reply, _lang: reply_here(body, respond, client, reply),
        )

    for action_id in answers:
        app.action(action_id)(answer)

    @app.action(RESUME_ACTION)
    def resume(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """Resume digests after an automatic pause."""
        ack()
        run_work(
            c,
            body,
            respond,
            lambda team, user, lang: c.members.set_opt_in(team, user, True, lang),
            lambda reply, _lang: reply_here(body, respond, client, reply),
            quick=True,
        )
