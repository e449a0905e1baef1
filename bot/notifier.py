"""Outbound Slack calls behind a small protocol, so services are tested with a recording fake."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

Blocks = list[dict[str, Any]]


class DeliveryError(Exception):
    """A message could not be delivered (deactivated user, closed DM, Slack error)."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason


class Notifier(Protocol):
    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
        """Send a direct message; returns the message ts."""
        ...

    def group_dm(self, user_ids: list[str], text: str, blocks: Blocks | None = None) -> str:
        """Open a group DM of these people (and the bot) and post there; returns the channel."""
        ...

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> str: ...

    def upload(
        self, channel: str, filename: str, content: bytes, title: str = "", comment: str = ""
    ) -> None: ...

    def channel_members(self, channel: str) -> list[str]: ...


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


@dataclass
class Sent:
    kind: str
    target: str
    text: str
    blocks: Blocks | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class RecordingNotifier:
    """A fake for service tests: records every message; chosen targets fail."""

    def __init__(self, channels: dict[str, list[str]] | None = None) -> None:
        self.sent: list[Sent] = []
        self.failing: dict[str, str] = {}
        self.channels = channels or {}

    def _check(self, target: str) -> None:
        if target in self.failing:
            raise DeliveryError(target, self.failing[target])

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
        self._check(user_id)
        self.sent.append(Sent("dm", user_id, text, blocks))
        return f"{len(self.sent)}.0"

    def group_dm(self, user_ids: list[str], text: str, blocks: Blocks | None = None) -> str:
        for u in user_ids:
            self._check(u)
        key = ",".join(sorted(user_ids))
        self.sent.append(Sent("group_dm", key, text, blocks))
        return "G" + str(abs(hash(key)) % 10**8)

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> str:
        self._check(channel)
        self.sent.append(Sent("post", channel, text, blocks))
        return f"{len(self.sent)}.0"

    def upload(
        self, channel: str, filename: str, content: bytes, title: str = "", comment: str = ""
    ) -> None:
        self._check(channel)
        self.sent.append(
            Sent("upload", channel, comment, None, {"filename": filename, "content": content})
        )

    def channel_members(self, channel: str) -> list[str]:
        if channel not in self.channels:
            raise DeliveryError(channel, "channel_not_found")
        return list(self.channels[channel])
