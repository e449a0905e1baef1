"""The App Home tab: entries, suggestions and settings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.listeners.common import Body, deliver, later, team_and_user
from bot.router import Reply
from bot.services import Services


def register(app: App, services: Services) -> None:
    def publish(team: str, user: str, client: WebClient) -> None:
        client.views_publish(user_id=user, view=services.home(team, user))

    @app.event("app_home_opened")
    def opened(body: Body, event: dict[str, Any], client: WebClient) -> None:
        """Render the home tab after the ack (it runs a search)."""
        if event.get("tab", "home") != "home":
            return
        team, user = str(body.get("team_id", "")), str(event.get("user", ""))
        later(
            services,
            lambda: publish(team, user, client),
            lang=lambda: services.lang_for(team, user, lookup=False),
        )

    @app.action("home_describe")
    def describe(ack: Ack, body: Body, client: WebClient) -> None:
        """Open the describe modal on the quick pool: its trigger id expires in 3 s."""
        ack()
        team, user = team_and_user(body)
        trigger = str(body.get("trigger_id", ""))

        def job() -> None:
            lang = services.lang_for(team, user, lookup=False)
            view = services.modal(lang)
            deliver(Reply(text="", view=view), None, client, trigger_id=trigger, lang=lang)

        later(
            services,
            job,
            lang=lambda: services.lang_for(team, user, lookup=False),
            dm_user=user,
            quick=True,
        )

    @app.action("home_language")
    def language(ack: Ack, body: Body, action: dict[str, Any], client: WebClient) -> None:
        """Store the chosen language and redraw the tab in it."""
        ack()
        team, user = team_and_user(body)
        chosen = str((action.get("selected_option") or {}).get("value", "de"))

        def job() -> None:
            services.set_language(team, user, chosen)
            publish(team, user, client)

        later(services, job, lang=lambda: chosen, dm_user=user)

    @app.action("home_cadence")
    def cadence(ack: Ack, body: Body, action: dict[str, Any], client: WebClient) -> None:
        """Store how often the member wants suggestions (or pause them)."""
        ack()
        team, user = team_and_user(body)
        chosen = str((action.get("selected_option") or {}).get("value", "weekly"))

        def job() -> None:
            services.set_cadence(team, user, chosen)
            publish(team, user, client)

        later(services, job, lang=lambda: services.lang_for(team, user, lookup=False), dm_user=user)
