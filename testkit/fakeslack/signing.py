"""Request signing and payload builders for driving a bolt App as Slack would.

Each payload exists in two forms: a ``*_payload`` dict (what a Socket Mode envelope
carries) and a ``*_body`` string (what Slack POSTs in HTTP mode, to be signed with
``signed_headers``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest

from .ids import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    UNSET_RESPONSE_URL,
)

_sequence = itertools.count(1)


def signed_headers(
    secret: str,
    body: str,
    timestamp: int | None = None,
    content_type: str | None = None,
) -> dict[str, str]:
    """Headers that make bolt's RequestVerification accept ``body``.

    A ``timestamp`` more than five minutes old makes bolt refuse the request, which is how
    tests exercise the stale-signature path.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if content_type is None:
        content_type = (
            "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
        )
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def signed_bolt_request(secret: str, body: str, timestamp: int | None = None) -> BoltRequest:
    """A BoltRequest for ``app.dispatch()``, signed like an HTTP-mode request from Slack."""
    headers: dict[str, str | Sequence[str]] = dict(signed_headers(secret, body, timestamp))
    return BoltRequest(body=body, headers=headers)


def new_trigger_id() -> str:
    """A trigger id in the shape FakeSlack understands.

    The middle part is the issue time in milliseconds, so FakeSlack can answer
    ``expired_trigger_id`` after three seconds, as Slack does.
    """
    return f"{next(_sequence)}.{int(time.time() * 1000)}.{secrets.token_hex(16)}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def slash_command_payload(
    command: str = "/match",
    text: str = "",
    user_id: str = DEFAULT_USER_ID,
    team_id: str = TEAM_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    trigger_id: str | None = None,
    response_url: str = UNSET_RESPONSE_URL,
    user_name: str = "member",
    channel_name: str = "general",
    api_app_id: str = APP_ID,
) -> dict[str, str]:
    return {
        "token": "verification-token-unused",
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def slash_command_body(**kwargs: Any) -> str:
    """Form-encoded body of a slash command; accepts the arguments of slash_command_payload."""
    return urlencode(slash_command_payload(**kwargs))


def block_actions_payload(
    action_id: str,
    value: str | None = None,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = TEAM_ID,
    channel_id: str | None = DEFAULT_CHANNEL_ID,
    message_ts: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    block_id: str = "actions",
    trigger_id: str | None = None,
    response_url: str = UNSET_RESPONSE_URL,
    action_type: str = "button",
    extra_action_fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a click in a message, or in ``view`` if given."""
    action: dict[str, Any] = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": _action_ts(),
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
    if value is not None:
        action["value"] = value
    action.update(extra_action_fields or {})
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "member", "name": "member", "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0FAKE")}
        payload["view"] = view
    else:
        ts = message_ts or (message or {}).get("ts") or _action_ts()
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": "general"}
        payload["message"] = message or {
            "type": "message",
            "ts": ts,
            "user": BOT_USER_ID,
            "text": "",
            "blocks": [],
        }
        payload["response_url"] = response_url
    return payload


def block_actions_body(**kwargs: Any) -> str:
    return urlencode({"payload": json.dumps(block_actions_payload(**kwargs))})


def text_input_state(block_id: str, action_id: str, value: str | None) -> dict[str, Any]:
    """One entry of ``view.state.values`` for a plain_text_input."""
    return {block_id: {action_id: {"type": "plain_text_input", "value": value}}}


def view_submission_payload(
    callback_id: str,
    values: dict[str, dict[str, Any]] | None = None,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = TEAM_ID,
    private_metadata: str = "",
    view_id: str = "V0FAKEVIEW",
    trigger_id: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    blocks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user_id, "username": "member", "name": "member", "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": blocks or [],
            "state": {"values": values or {}},
            "hash": secrets.token_hex(8),
            "title": {"type": "plain_text", "text": "civic-match"},
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_submission_body(**kwargs: Any) -> str:
    return urlencode({"payload": json.dumps(view_submission_payload(**kwargs))})


def event_callback(
    event: dict[str, Any],
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> dict[str, Any]:
    """The ``event_callback`` envelope Slack wraps around every Events API event."""
    return {
        "token": "verification-token-unused",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def event_body(event: dict[str, Any], team_id: str = TEAM_ID) -> str:
    return json.dumps(event_callback(event, team_id=team_id))
