"""Identifiers shared by the fake Web API, the Socket Mode server and the payload builders.

They are kept in one place so that a payload built by the helpers in ``signing`` names the
same workspace and bot that ``auth.test`` on the fake reports; bolt compares them.
"""

from __future__ import annotations

TEAM_ID = "T0CIVIC01"
TEAM_NAME = "Civic Test"
TEAM_DOMAIN = "civic-test"
APP_ID = "A0CIVIC01"
BOT_ID = "B0CIVIC01"
BOT_USER_ID = "U0CIVICBOT"
BOT_USER_NAME = "civicmatch"
DEFAULT_USER_ID = "U0MEMBER01"
DEFAULT_CHANNEL_ID = "C0GENERAL1"
# Port 9 (discard) refuses connections at once, so a payload whose response_url was not
# replaced by FakeSlack.new_response_url() fails fast instead of reaching the internet.
UNSET_RESPONSE_URL = "http://127.0.0.1:9/response/unset"
