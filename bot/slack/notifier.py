"""The Web API side of the ``Notifier`` protocol (bot.flows.ports), with retries."""

from __future__ import annotations

import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.flows.ports import Blocks, DeliveryError
from bot.slack.installations import SealedInstallationStore


def retrying_client(
    token: str | None, base_url: str | None = None, max_retries: int = 5
) -> WebClient:
    """A WebClient that rides out 429s (honouring Retry-After) and dropped connections."""
    # No token (OAuth mode's App client): Bolt gives each request its workspace's.
    kwargs: dict[str, Any] = {"token": token or None, "timeout": 15}
    if base_url:
        kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
    client = WebClient(**kwargs)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=max_retries))
    # WebClient ships with a connection-error handler (1 retry); allow a few more.
    client.retry_handlers[:] = [
        h for h in client.retry_handlers if not isinstance(h, ConnectionErrorRetryHandler)
    ]
    client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=3))
    return client


def _error(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", "slack_error"))
    return f"http_{getattr(exc.response, 'status_code', '?')}"


class SlackNotifier:
    """The real thing: slack_sdk's WebClient with retry handlers."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def for_team(self, team_id: str) -> SlackNotifier:
        # One bot token: every workspace it serves is the one it was installed in.
        return self

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
        try:
            opened = self.client.conversations_open(users=[user_id])
            channel = opened["channel"]["id"]
            resp = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            return str(resp.get("ts", ""))
        except SlackApiError as exc:
            raise DeliveryError(user_id, _error(exc)) from exc

    def group_dm(self, user_ids: list[str], text: str, blocks: Blocks | None = None) -> str:
        try:
            opened = self.client.conversations_open(users=list(user_ids))
            channel = str(opened["channel"]["id"])
            self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            return channel
        except SlackApiError as exc:
            raise DeliveryError(",".join(user_ids), _error(exc)) from exc

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> str:
        try:
            resp = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            return str(resp.get("ts", ""))
        except SlackApiError as exc:
            raise DeliveryError(channel, _error(exc)) from exc

    def upload(
        self, channel: str, filename: str, content: bytes, title: str = "", comment: str = ""
    ) -> None:
        try:
            self.client.files_upload_v2(
                channel=channel,
                filename=filename,
                content=content,
                title=title or filename,
                initial_comment=comment or None,
            )
        except SlackApiError as exc:
            raise DeliveryError(channel, _error(exc)) from exc

    def channel_members(self, channel: str) -> list[str]:
        members: list[str] = []
        try:
            for page in self.client.conversations_members(channel=channel, limit=200):
                members.extend(page.get("members", []))
        except SlackApiError as exc:
            raise DeliveryError(channel, _error(exc)) from exc
        return members


class TeamClients:
    """The bot token of each installed workspace, from the installation store, and one
    retrying WebClient per token (pointed at SLACK_API_URL when set).

    The store is asked on every lookup, so a reinstall (a new token) or an uninstall in
    another replica takes effect at once; a client is only reused for the same token.
    """

    def __init__(self, installations: SealedInstallationStore, base_url: str | None = None) -> None:
        self.installations = installations
        self.base_url = base_url
        self._clients: dict[str, tuple[str, WebClient]] = {}
        self._lock = threading.Lock()

    def client(self, team_id: str) -> WebClient:
        """DeliveryError(team, "not_installed") when the workspace has no installation."""
        bot = self.installations.find_team_bot(team_id)
        token = bot.bot_token if bot is not None else None
        if not token:
            with self._lock:
                self._clients.pop(team_id, None)
            raise DeliveryError(team_id, "not_installed")
        with self._lock:
            known = self._clients.get(team_id)
            if known is None or known[0] != token:
                known = (token, retrying_client(token, base_url=self.base_url))
                self._clients[team_id] = known
            return known[1]


class TeamNotifier:
    """The Notifier of OAuth mode: each workspace is spoken to with its own bot token.

    Only the views from ``for_team`` send; a flow that forgot to say which workspace it
    sends for gets a DeliveryError rather than a message sent with some other token.
    """

    def __init__(self, clients: TeamClients) -> None:
        self.clients = clients

    def for_team(self, team_id: str) -> SlackNotifier:
        return SlackNotifier(self.clients.client(team_id))

    def _unbound(self, target: str) -> DeliveryError:
        return DeliveryError(target, "no_workspace_given")

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
        raise self._unbound(user_id)

    def group_dm(self, user_ids: list[str], text: str, blocks: Blocks | None = None) -> str:
        raise self._unbound(",".join(user_ids))

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> str:
        raise self._unbound(channel)

    def upload(
        self, channel: str, filename: str, content: bytes, title: str = "", comment: str = ""
    ) -> None:
        raise self._unbound(channel)

    def channel_members(self, channel: str) -> list[str]:
        raise self._unbound(channel)
