"""Installing into many workspaces: Bolt's OAuth flow on the bot's own database, limited to
the allowed workspaces, and the pages an installer sees."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine

from bot.messages import t
from bot.settings import Settings
from bot.slack.installations import (
    STATE_EXPIRATION_S,
    SealedInstallationStore,
    TokenCipher,
    state_store,
)

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


class InstallRefused(BoltError):
    """An install this server does not take; ``key`` names the page's text."""

    def __init__(self, key: str, team: str) -> None:
        super().__init__(f"{key}: {team}")
        self.key = key
        self.team = team


class GuardedOAuthFlow(OAuthFlow):
    """Bolt's flow, refusing installs before they are stored.

    Enterprise Grid org-wide installs are refused: every row here, and every check that
    keeps workspaces apart, is keyed by one team id, and an org-wide install has none
    (it serves every workspace of the org with one token and sends events per team).
    A Grid organisation installs the app into each workspace instead, which works like
    any other workspace.
    """

    def __init__(self, *, client: WebClient, settings: OAuthSettings, allowed: frozenset[str]):
        super().__init__(client=client, settings=settings)
        self.allowed = allowed

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        team = installation.team_id or ""
        if installation.is_enterprise_install or not team:
            self._revoke(installation)
            raise InstallRefused("bot.install.refused_org", installation.enterprise_id or "")
        if self.allowed and team not in self.allowed:
            self._revoke(installation)
            raise InstallRefused("bot.install.refused_team", team)
        super().store_installation(request, installation)

    def _revoke(self, installation: Installation) -> None:
        """Give back the token of a refused install, so the app is not left installed."""
        if not installation.bot_token:
            return
        try:
            self.client.auth_revoke(token=installation.bot_token)
        except SlackApiError as exc:
            log.warning("could not revoke the token of a refused install: %s", exc)


def _page(status: int, title: str, text: str, args: SuccessArgs | FailureArgs) -> BoltResponse:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{text}</p></body></html>"
    )
    return BoltResponse(
        status=status,
        body=body,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            # The state cookie has done its work either way.
            "Set-Cookie": [args.settings.state_utils.build_set_cookie_for_deletion()],
        },
    )


def callbacks(lang: str, on_installed: Callable[[str], None]) -> CallbackOptions:
    """The installer's pages: done (after marking the workspace installed, which also
    cancels a pending purge), refused, or failed."""

    def success(args: SuccessArgs) -> BoltResponse:
        team = args.installation.team_id or ""
        on_installed(team)
        name = html.escape(args.installation.team_name or team)
        return _page(200, "civic-match", t("bot.install.done", lang, team=name), args)

    def failure(args: FailureArgs) -> BoltResponse:
        if isinstance(args.error, InstallRefused):
            log.warning("install refused (%s)", args.error)
            text = t(args.error.key, lang, team=html.escape(args.error.team))
            return _page(403, "civic-match", text, args)
        log.warning("install failed: %s", args.reason)
        text = t("bot.install.failed", lang, reason=html.escape(args.reason))
        return _page(args.suggested_status_code, "civic-match", text, args)

    return CallbackOptions(success=success, failure=failure)


def authorization_url(api_url: str | None) -> str | None:
    """Slack's authorize page on the host of SLACK_API_URL (GovSlack: slack-gov.com)."""
    if not api_url:
        return None
    base = api_url.rstrip("/")
    if base.endswith("/api"):
        base = base[: -len("/api")]
    return f"{base}/oauth/v2/authorize"


def oauth_flow(
    settings: Settings,
    engine: Engine,
    client: WebClient,
    on_installed: Callable[[str], None],
) -> GuardedOAuthFlow:
    """The flow, its stores in ``engine``'s database, oauth.v2.access through ``client``
    (so SLACK_API_URL applies to it). Raises TokenKeyError without a usable key."""
    secret = settings.slack_client_secret
    client_id = settings.slack_client_id or ""
    store = SealedInstallationStore(
        client_id, engine, TokenCipher(secret_value(settings.token_encryption_key))
    )
    oauth_settings = OAuthSettings(
        client_id=client_id,
        client_secret=secret.get_secret_value() if secret else "",
        scopes=list(settings.slack_scopes),
        installation_store=store,
        installation_store_bot_only=True,
        state_store=state_store(engine),
        state_expiration_seconds=STATE_EXPIRATION_S,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # Straight to Slack's consent screen; the state cookie rides on the redirect.
        install_page_rendering_enabled=False,
        authorization_url=authorization_url(settings.slack_api_url),
        callback_options=callbacks(settings.default_language, on_installed),
    )
    # Bolt's default authorize would refresh rotated tokens through a client of its own
    # (slack.com); this one uses ``client``, like everything else.
    oauth_settings.authorize = InstallationStoreAuthorize(
        logger=log,
        installation_store=store,
        client_id=client_id,
        client_secret=oauth_settings.client_secret,
        bot_only=True,
        # Keyed by the token found in the store on every request: a reinstall (a new
        # token) misses it, an uninstall finds no token; it spares each ack the round
        # trip of an auth.test.
        cache_enabled=True,
        client=client,
    )
    return GuardedOAuthFlow(
        client=client,
        settings=oauth_settings,
        allowed=frozenset(settings.slack_allowed_team_ids),
    )


def secret_value(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if getter is not None else ""
