"""The small protocols through which flows reach Slack, and a recording fake of them.

Flows never import Slack's SDK: they send through a ``Notifier`` and ask a
``Directory`` about people. ``bot.slack`` implements both with the Web API; tests
and the console use ``RecordingNotifier`` or their own.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Protocol

Blocks = list[dict[str, Any]]


@dataclass(frozen=True)
class UserInfo:
    """What Slack tells us about a member: a name to show, their locale, and what their
    Slack profile says about their organisation (only ever offered, never stored)."""

    name: str
    locale: str | None = None
    is_admin: bool = False  # workspace admin or owner
    organisation: str | None = None


class Directory(Protocol):
    def user(self, team_id: str, user_id: str) -> UserInfo | None:
        """The member's name and locale, or None if Slack does not know them."""
        ...


class DeliveryError(Exception):
    """A message could not be delivered (deactivated user, closed DM, Slack error)."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason


class Notifier(Protocol):
    def for_team(self, team_id: str) -> Notifier:
        """The notifier that speaks to ``team_id`` with that workspace's own token.

        With one bot token (Socket Mode, single-token HTTP) it is the notifier itself;
        with many installations it raises DeliveryError when the workspace has none.
        """
        ...

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


class Installations(Protocol):
    def forget_team(self, team_id: str) -> None:
        """Delete the workspace's installation and tokens (OAuth mode)."""
        ...


@dataclass
class Sent:
    kind: str
    target: str
    text: str
    blocks: Blocks | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    team: str = ""  # the workspace the flow sent it through (for_team), "" if none


class RecordingNotifier:
    """A fake for service tests: records every message; chosen targets fail."""

    def __init__(self, channels: dict[str, list[str]] | None = None) -> None:
        self.sent: list[Sent] = []
        self.failing: dict[str, str] = {}
        self.channels = channels or {}
        self.team = ""

    def for_team(self, team_id: str) -> RecordingNotifier:
        """A view that shares the records (and failures) and tags what it sends."""
        view = copy.copy(self)
        view.team = team_id
        return view

    def _add(self, sent: Sent) -> None:
        sent.team = self.team
        self.sent.append(sent)

    def _check(self, target: str) -> None:
        if target in self.failing:
            raise DeliveryError(target, self.failing[target])

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
        self._check(user_id)
        self._add(Sent("dm", user_id, text, blocks))
        return f"{len(self.sent)}.0"

    def group_dm(self, user_ids: list[str], text: str, blocks: Blocks | None = None) -> str:
        for u in user_ids:
            self._check(u)
        key = ",".join(sorted(user_ids))
        self._add(Sent("group_dm", key, text, blocks))
        return "G" + str(abs(hash(key)) % 10**8)

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> str:
        self._check(channel)
        self._add(Sent("post", channel, text, blocks))
        return f"{len(self.sent)}.0"

    def upload(
        self, channel: str, filename: str, content: bytes, title: str = "", comment: str = ""
    ) -> None:
        self._check(channel)
        self._add(
            Sent("upload", channel, comment, None, {"filename": filename, "content": content})
        )

    def channel_members(self, channel: str) -> list[str]:
        if channel not in self.channels:
            raise DeliveryError(channel, "channel_not_found")
        return list(self.channels[channel])
