"""The App Home tab: entries, suggestions and settings."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.container import Container
from bot.flows.commands import Reply
from bot.slack.blocks.home import HOME_ORG_ACTION
from bot.slack.listeners.common import Body, deliver, later, team_and_user
from profiles.models import CADENCES

log = logging.getLogger(__name__)


def register(app: App, c: Container) -> None:
    def publish(team: str, user: str, client: WebClient) -> None:
        client.views_publish(user_id=user, view=c.members.home(team, user))

    @app.event("app_home_opened")
    def opened(body: Body, event: dict[str, Any], client: WebClient) -> None:
        """Render the home tab after the ack (it runs a search)."""
        if event.get("tab", "home") != "home":
            return
        team, user = str(body.get("team_id") or ""), str(event.get("user") or "")
        if not team or not user:
            log.warning("app_home_opened without team or user; ignored")
            return
        later(
            c,
            lambda: publish(team, user, client),
            lang=lambda: c.identity.lang_for(team, user, lookup=False),
        )

    @app.action("home_describe")
    def describe(ack: Ack, body: Body, client: WebClient) -> None:
        """Open the describe modal on the quick pool: its trigger id expires in 3 s."""
        ack()
        team, user = team_and_user(body)
        if not team or not user:
            return  # Slack always says who clicked; nobody to act for
        trigger = str(body.get("trigger_id", ""))

        def job() -> None:
            lang = c.identity.lang_for(team, user, lookup=False)
            view = c.members.modal(lang, team_id=team, user_id=user)
            deliver(Reply(text="", view=view), None, client, trigger_id=trigger, lang=lang)

        later(
            c,
            job,
            lang=lambda: c.identity.lang_for(team, user, lookup=False),
            dm=(team, user),
            quick=True,
        )

    @app.action("home_language")
    def language(ack: Ack, body: Body, action: dict[str, Any], client: WebClient) -> None:
        """Store the chosen language and redraw the tab in it."""
        ack()
        team, user = team_and_user(body)
        if not team or not user:
            return  # Slack always says who clicked; nobody to act for
        option = action.get("selected_option")
        chosen = str((option if isinstance(option, dict) else {}).get("value") or "de")

        def job() -> None:
            c.identity.set_language(team, user, chosen)
            publish(team, user, client)

        later(c, job, lang=lambda: chosen, dm=(team, user))

    @app.action(HOME_ORG_ACTION)
    def organisation(ack: Ack, body: Body, action: dict[str, Any], client: WebClient) -> None:
        """Store the organisation typed into the tab (Enter) and redraw it."""
        ack()
        team, user = team_and_user(body)
        if not team or not user:
            return  # Slack always says who typed; nobody to act for
        typed = action.get("value")
        typed = typed if isinstance(typed, str) else ""

        def job() -> None:
            lang = c.identity.lang_for(team, user, lookup=False)
            problem = c.members.set_organisation(team, user, typed, lang)
            if problem is not None:
                c.notifier.for_team(team).dm(user, problem)
            publish(team, user, client)

        later(c, job, lang=lambda: c.identity.lang_for(team, user, lookup=False), dm=(team, user))

    @app.action("home_cadence")
    def cadence(ack: Ack, body: Body, action: dict[str, Any], client: WebClient) -> None:
        """Store how often the member wants suggestions (or pause them)."""
        ack()
        team, user = team_and_user(body)
        if not team or not user:
            return  # Slack always says who clicked; nobody to act for
        option = action.get("selected_option")
        chosen = option.get("value") if isinstance(option, dict) else None
        if chosen not in CADENCES:
            # The select only offers CADENCES; anything else is a forged or stale value,
            # and the store would refuse it after the ack with a traceback.
            log.warning(
                "unknown cadence %s from %s/%s; ignored", ascii(str(chosen)[:40]), team, user
            )
            return

        def job() -> None:
            c.members.set_cadence(team, user, chosen)
            publish(team, user, client)

        later(c, job, lang=lambda: c.identity.lang_for(team, user, lookup=False), dm=(team, user))
