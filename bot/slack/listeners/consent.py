"""The buttons of the invitation an imported member gets: accept, edit, delete.

Each acts on the member who clicked (team and user from Slack's signed payload), never
on ids in the button, so a forged button cannot accept or delete someone else.
"""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.container import Container
from bot.flows.commands import Reply
from bot.slack.listeners.common import (
    Body,
    Work,
    can_respond,
    deliver,
    run_work,
    team_and_user,
)


def register(app: App, c: Container) -> None:
    def run(body: Body, respond: Respond, client: WebClient, work: Work) -> None:
        def answer(reply: Reply, _lang: str) -> None:
            if can_respond(body):
                deliver(reply, respond, client)
            else:
                team, user = team_and_user(body)
                c.notifier.for_team(team).dm(user, reply.text, reply.blocks)

        run_work(c, body, respond, work, answer)

    @app.action("consent_accept")
    def accept(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """The member agrees: from now on a normal member."""
        ack()
        run(body, respond, client, c.consent.accept)

    @app.action("consent_edit")
    def edit(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """The imported entries with edit and delete buttons; saving an edit accepts."""
        ack()
        run(body, respond, client, c.consent.edit)

    @app.action("consent_delete")
    def delete(ack: Ack, body: Body, respond: Respond, client: WebClient) -> None:
        """Everything imported about the member is deleted."""
        ack()
        run(body, respond, client, c.consent.delete)
