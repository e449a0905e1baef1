"""The Web API side of the ``Notifier`` protocol (bot.flows.ports), with retries."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.flows.ports import Blocks, DeliveryError


def retrying_client(token: str, base_url: str | None = None, max_retries: int = 5) -> WebClient:
    """A WebClient that rides out 429s (honouring Retry-After) and dropped connections."""
    kwargs: dict[str, Any] = {"token": token, "timeout": 15}
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
