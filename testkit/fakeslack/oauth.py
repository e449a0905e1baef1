"""Installs on the fake Slack: oauth.v2.access turns a code into a bot token of one
workspace, auth.test answers per token, auth.revoke revokes one.

A test plays the browser: it asks the bot's /slack/install for the state, gets a code
for a workspace from ``issue_code`` (Slack's consent screen), and calls the bot's
redirect URL with both.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from .ids import APP_ID

Json = dict[str, Any]
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"


class OAuthError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Install:
    """What one install gave out: the workspace, its bot and the bot token."""

    team_id: str | None
    team_name: str
    token: str
    bot_user_id: str
    bot_id: str
    scopes: str
    enterprise_id: str | None = None
    org_wide: bool = False
    installer: str = "U0INSTALLER"


class FakeOAuth:
    """The app's OAuth side of the fake: client credentials, codes, issued tokens."""

    def __init__(self) -> None:
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.scopes = "commands,chat:write"
        self._lock = threading.Lock()
        self._codes: dict[str, Install] = {}
        self._tokens: dict[str, Install] = {}

    def issue_code(
        self,
        team_id: str | None,
        team_name: str = "",
        *,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        installer: str = "U0INSTALLER",
    ) -> str:
        """What Slack's consent screen hands the browser for an install into ``team_id``
        (``org_wide``: the whole Enterprise Grid org ``enterprise_id``, no team)."""
        code = secrets.token_hex(8)
        tag = (team_id or enterprise_id or "X").upper()
        install = Install(
            team_id=None if org_wide else team_id,
            team_name=team_name or f"Team {team_id}",
            token=f"xoxb-{tag}-{secrets.token_hex(10)}",
            bot_user_id=f"UBOT{tag}"[:11],
            bot_id=f"BBOT{tag}"[:11],
            scopes=self.scopes,
            enterprise_id=enterprise_id,
            org_wide=org_wide,
            installer=installer,
        )
        with self._lock:
            self._codes[code] = install
        return code

    def install_of(self, token: str | None) -> Install | None:
        with self._lock:
            return self._tokens.get(token or "")

    def tokens(self) -> dict[str, Install]:
        with self._lock:
            return dict(self._tokens)

    def access(self, params: Json, headers: dict[str, str]) -> Json:
        """oauth.v2.access: client credentials (HTTP Basic or form) and a one-time code."""
        client_id, client_secret = _basic(headers)
        client_id = client_id or str(params.get("client_id") or "")
        client_secret = client_secret or str(params.get("client_secret") or "")
        if client_id != self.client_id:
            raise OAuthError("invalid_client_id")
        if client_secret != self.client_secret:
            raise OAuthError("bad_client_secret")
        with self._lock:
            install = self._codes.pop(str(params.get("code") or ""), None)
            if install is None:
                raise OAuthError("invalid_code")
            self._tokens[install.token] = install
        enterprise = (
            {"id": install.enterprise_id, "name": f"Org {install.enterprise_id}"}
            if install.enterprise_id
            else None
        )
        team = {"id": install.team_id, "name": install.team_name} if install.team_id else None
        return {
            "access_token": install.token,
            "token_type": "bot",
            "scope": install.scopes,
            "bot_user_id": install.bot_user_id,
            "app_id": APP_ID,
            "team": team,
            "enterprise": enterprise,
            "is_enterprise_install": install.org_wide,
            "authed_user": {"id": install.installer},
        }

    def auth_test(self, install: Install) -> Json:
        return {
            "url": f"https://{(install.team_id or 'org').lower()}.slack.com/",
            "team": install.team_name,
            "user": "civicmatch",
            "team_id": install.team_id,
            "user_id": install.bot_user_id,
            "bot_id": install.bot_id,
            "enterprise_id": install.enterprise_id,
            "is_enterprise_install": install.org_wide,
        }


def _basic(headers: dict[str, str]) -> tuple[str, str]:
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if not auth.lower().startswith("basic "):
        return "", ""
    try:
        raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    user, _, password = raw.partition(":")
    return user, password
