"""Build the bolt App and register the listeners; nothing else happens here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.container import Container, build_container, build_matcher
from bot.messages import t
from bot.settings import Settings
from bot.slack.directory import SlackDirectory
from bot.slack.installations import SealedInstallationStore, TokenCipher, TokenKeyError
from bot.slack.listeners import (
    actions,
    commands,
    consent,
    events,
    facilitator,
    followups,
    home,
    views,
)
from bot.slack.listeners.common import response_url_allowed, team_and_user
from bot.slack.notifier import SlackNotifier, TeamClients, TeamNotifier, retrying_client
from bot.slack.oauth import oauth_flow
from bot.slack.server import RequestVerifier
from bot.slack.worker import Worker
from matching.service import Matcher

log = logging.getLogger(__name__)

Mode = Literal["socket", "http"]


class ConfigError(Exception):
    """A setting needed for the chosen connection mode is missing."""


def _secret(value: Any) -> str:
    return str(value.get_secret_value()) if value is not None else ""


def check_config(settings: Settings, mode: Mode) -> None:
    """ConfigError if a secret the connection mode needs is missing.

    Cheap on purpose: the CLI calls it before loading the model and opening the
    database, so a missing secret is reported at once rather than after start-up.
    OAuth mode (client id and secret set) serves many workspaces over HTTP and needs
    no bot token, but the key that seals the workspaces' tokens.
    """
    if settings.oauth_mode:
        if mode != "http":
            raise ConfigError(
                "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET select OAuth mode, which needs HTTP "
                "(civic-match serve --http); unset them for Socket Mode"
            )
        if not _secret(settings.slack_signing_secret):
            raise ConfigError("SLACK_SIGNING_SECRET is not set (needed for HTTP mode)")
        try:
            TokenCipher(_secret(settings.token_encryption_key))
        except TokenKeyError as exc:
            raise ConfigError(str(exc)) from exc
        return
    if not _secret(settings.slack_bot_token):
        raise ConfigError("SLACK_BOT_TOKEN is not set")
    if mode == "socket" and not _secret(settings.slack_app_token):
        raise ConfigError("SLACK_APP_TOKEN is not set (Socket Mode needs an xapp-… token)")
    if mode == "http" and not _secret(settings.slack_signing_secret):
        raise ConfigError("SLACK_SIGNING_SECRET is not set (needed for HTTP mode)")


def slack_client(settings: Settings) -> WebClient:
    """The retrying WebClient with the bot token (none in OAuth mode: Bolt then gives each
    request its workspace's token), pointed at SLACK_API_URL when set."""
    return retrying_client(_secret(settings.slack_bot_token), base_url=settings.slack_api_url)


def installation_store(settings: Settings, engine: Engine) -> SealedInstallationStore:
    """The installations of OAuth mode (ConfigError without a usable key)."""
    try:
        cipher = TokenCipher(_secret(settings.token_encryption_key))
    except TokenKeyError as exc:
        raise ConfigError(str(exc)) from exc
    return SealedInstallationStore(settings.slack_client_id or "", engine, cipher)


def team_notifier(settings: Settings, engine: Engine) -> TeamNotifier:
    """The notifier of OAuth mode: each workspace with its own stored token."""
    return TeamNotifier(TeamClients(installation_store(settings, engine), settings.slack_api_url))


def build_app(
    container: Container,
    client: WebClient,
    *,
    mode: Mode = "socket",
    token_verification: bool = True,
) -> App:
    """The bolt App with every listener registered on ``container``'s flows."""
    check_config(container.settings, mode)
    settings = container.settings
    secret = _secret(settings.slack_signing_secret)
    flow = None
    if settings.oauth_mode:
        flow = oauth_flow(
            settings, container.store.engine, client, lambda team: _installed(container, team)
        )
        # Bolt checks no token at start in OAuth mode: each request's comes from the store.
        token_verification = False
    app = App(
        client=client,
        oauth_flow=flow,
        signing_secret=secret or None,
        # Socket Mode envelopes arrive over an authenticated WebSocket and carry no
        # signature; HTTP requests must be signed.
        request_verification_enabled=mode == "http",
        token_verification_enabled=token_verification,
        # Every listener only acks and submits to one of the container's pools, so it
        # returns within a millisecond; running it inline in the request thread (HTTP:
        # one per connection; Socket Mode: the client's pool) then answers Slack at
        # once. With False, bolt would run the listener on its own executor and poll
        # for the ack every 10 ms, adding ~10 ms to every ack and sharing that executor
        # with any work done after the ack. Listeners therefore must never work inline
        # after ack(): use bot.slack.listeners.common.later.
        process_before_response=True,
        name="civic-match",
    )
    register_all(app, container)
    return app


def connect(
    settings: Settings,
    *,
    mode: Mode = "socket",
    matcher: Matcher | None = None,
    threads: int | None = None,
    worker: Worker | None = None,
    notifier_client: WebClient | None = None,
    token_verification: bool = True,
) -> tuple[App, Container]:
    """The container wired to Slack's Web API, and the App on it."""
    check_config(settings, mode)
    if settings.oauth_mode:
        client = retrying_client("", base_url=settings.slack_api_url)
        matcher = matcher or build_matcher(settings, threads=threads)
        notifier = team_notifier(settings, matcher.store.engine)
        container = build_container(
            settings,
            matcher=matcher,
            notifier=notifier,
            directory=SlackDirectory(notifier.clients.client),
            worker=worker,
        )
        container.workspaces.installations = notifier.clients.installations
    else:
        client = slack_client(settings)
        container = build_container(
            settings,
            matcher=matcher,
            threads=threads,
            notifier=SlackNotifier(notifier_client or client),
            directory=SlackDirectory(client),
            worker=worker,
        )
    return build_app(container, client, mode=mode, token_verification=token_verification), container


def _installed(c: Container, team_id: str) -> None:
    """A workspace finished the OAuth install: it is active (a reinstall within the grace
    period cancels the purge) and gets its weekly digest job if a scheduler runs here."""
    from bot import scheduler

    c.workspaces.installed(team_id)
    scheduler.team_installed(team_id)


def register_all(app: App, c: Container) -> None:
    for module in (commands, actions, views, home, events, facilitator, followups, consent):
        module.register(app, c)
    api_url = c.settings.slack_api_url
    secret = _secret(c.settings.slack_signing_secret)
    verifier = RequestVerifier(secret) if secret.strip() else None

    @app.middleware
    def drop_foreign_response_url(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        """A response URL that is not Slack's is removed before any listener sees it,
        so listeners answer by DM instead of posting the member's data elsewhere."""
        url = context.response_url or (body.get("response_url") if isinstance(body, dict) else None)
        if url and not response_url_allowed(str(url), api_url):
            log.warning("dropped a response URL that is not Slack's: %s", ascii(str(url)[:100]))
            if isinstance(body, dict):
                body.pop("response_url", None)
                body.pop("response_urls", None)
            context.pop("response_url", None)
            context.pop("respond", None)
        return next()

    @app.error
    def on_error(error: Exception, body: Any, request: BoltRequest) -> BoltResponse | None:
        """Log with the traceback, then tell the member politely in their language.

        Only for a request that is verified: bolt also calls this when its own signature
        check raises, and then the body (its user, its response URL) is the sender's
        invention. The HTTP server verifies first; this is the second line.
        """
        if request.mode != "socket_mode" and (
            verifier is None or not verifier.verify_request(request)
        ):
            log.warning("error on an unverified request (%s); nothing sent", type(error).__name__)
            return BoltResponse(status=401, body="")
        log.error("unhandled error in a listener", exc_info=error)
        body = body if isinstance(body, dict) else {}
        team, user = _who(body)
        lang = c.identity.lang_for(team, user, lookup=False) if team and user else "de"
        text = t("bot.error.generic", lang)
        url = str(body.get("response_url") or "")
        try:
            if url and response_url_allowed(url, api_url):
                from slack_sdk.webhook import WebhookClient

                WebhookClient(url).send(
                    text=text, response_type="ephemeral", replace_original=False
                )
            elif url:
                log.warning("dropped a response URL that is not Slack's: %s", ascii(url[:100]))
            elif user:
                c.notifier.for_team(team).dm(user, text)
        except Exception:  # the member already sees nothing; do not raise from here
            log.warning("could not tell %s about the error", user, exc_info=True)
        return None


def _who(body: dict[str, Any]) -> tuple[str, str]:
    if "command" in body:
        return str(body.get("team_id", "")), str(body.get("user_id", ""))
    if body.get("type") == "event_callback":
        event = body.get("event")
        user = event.get("user", "") if isinstance(event, dict) else ""
        return str(body.get("team_id", "")), str(user)
    return team_and_user(body)
