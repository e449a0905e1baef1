"""The ``Directory`` protocol (bot.flows.ports) on Slack's users.info."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.flows.ports import UserInfo


class SlackDirectory:
    """Names, locales and admin flags from users.info (include_locale)."""

    def __init__(self, client: WebClient | Callable[[str], WebClient]) -> None:
        # One client (one bot token), or the client of each workspace (OAuth mode).
        self.client_for = client if callable(client) else (lambda _team: client)

    def user(self, team_id: str, user_id: str) -> UserInfo | None:
        try:
            resp = self.client_for(team_id).users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            # Only "Slack does not know them" is an answer; other errors (rate limits
            # that outlasted the retries, outages) must not be cached as "no admin".
            if exc.response.get("error") in ("user_not_found", "user_not_visible"):
                return None
            raise
        user: dict[str, Any] = resp.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("name") or ""
        return UserInfo(
            name=str(name or user_id),
            locale=user.get("locale"),
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            organisation=profile_organisation(profile),
        )


# Labels of custom profile fields that hold the organisation, casefolded.
_ORG_LABELS = re.compile(
    r"organi[sz]ation|organisatie|träger|traeger|verein|verband|einrichtung|company|firma|employer"
    r"|arbeitgeber"
)


def profile_organisation(profile: dict[str, Any]) -> str | None:
    """The organisation a Slack profile names: a custom field labelled like "Organisation"
    (workspaces that keep one), else the title; None when neither says anything.

    users.info carries a custom field's label only in some workspaces (users.profile.get
    with include_labels always does); without a label a field cannot be told apart
    from a phone number, so it is not guessed at.
    """
    fields = profile.get("fields")
    if isinstance(fields, dict):
        for field in fields.values():
            if not isinstance(field, dict):
                continue
            label, value = field.get("label"), field.get("value")
            if (
                isinstance(label, str)
                and isinstance(value, str)
                and value.strip()
                and _ORG_LABELS.search(label.casefold())
            ):
                return value.strip()
    title = profile.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    return None
