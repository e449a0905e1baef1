"""A local fake of Slack (Web API over HTTP, Socket Mode over WebSocket) for e2e tests."""

from .blockkit import block_problems, view_problems
from .ids import APP_ID, BOT_ID, BOT_USER_ID, DEFAULT_CHANNEL_ID, DEFAULT_USER_ID, TEAM_ID
from .signing import (
    block_actions_body,
    block_actions_payload,
    event_body,
    event_callback,
    new_trigger_id,
    signed_bolt_request,
    signed_headers,
    slash_command_body,
    slash_command_payload,
    text_input_state,
    view_submission_body,
    view_submission_payload,
)
from .socketmode import Ack, FakeSocketModeServer
from .webapi import Call, FakeSlack, SlackError, mentions

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_USER_ID",
    "TEAM_ID",
    "Ack",
    "Call",
    "FakeSlack",
    "FakeSocketModeServer",
    "SlackError",
    "block_actions_body",
    "block_actions_payload",
    "block_problems",
    "event_body",
    "event_callback",
    "mentions",
    "new_trigger_id",
    "signed_bolt_request",
    "signed_headers",
    "slash_command_body",
    "slash_command_payload",
    "text_input_state",
    "view_problems",
    "view_submission_body",
    "view_submission_payload",
]
