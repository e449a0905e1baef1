"""Shared set-up for the bot tests: a running bot over HTTP or Socket Mode against FakeSlack."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.container import Container
from bot.settings import Settings
from bot.slack.app import connect
from bot.slack.server import HttpServer, socket_mode_handler
from bot.slack.worker import Worker
from matching.service import Matcher
from testkit.fakeslack import (
    TEAM_ID,
    FakeSlack,
    FakeSocketModeServer,
    signed_headers,
    slash_command_payload,
)

SECRET = "test-signing-secret"


@dataclass
class Bot:
    """What a transport runs: the bolt App and the container behind its listeners."""

    app: App
    container: Container


def build_bot(settings: Settings, matcher: Matcher, mode: Literal["http", "socket"]) -> Bot:
    app, container = connect(settings, mode=mode, matcher=matcher, worker=Worker(2))
    return Bot(app, container)


def settings_for(fake: FakeSlack, db_url: str = "sqlite://", **extra: Any) -> Settings:
    return Settings(
        database_url=db_url,
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-1-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        **extra,
    )


Kind = Literal["command", "action", "submission", "event"]

# Slack's 3-second limit: an envelope not acked by then counts as failed.
ACK_TIMEOUT = 3.0


class BotUnderTest:
    """A started bot that a test drives the way Slack would, over one transport.

    ``send`` hands over a payload from the builders in testkit.fakeslack.signing and
    returns the ack as ``(status, body)``, so a flow reads the same over either transport.
    """

    bot: Bot
    fake: FakeSlack

    @property
    def container(self) -> Any:
        return self.bot.container

    def send(self, kind: Kind, payload: dict[str, Any]) -> tuple[int, str]:
        raise NotImplementedError

    def command(self, payload: dict[str, Any]) -> tuple[int, str]:
        return self.send("command", payload)

    def action(self, payload: dict[str, Any]) -> tuple[int, str]:
        return self.send("action", payload)

    def submission(self, payload: dict[str, Any]) -> tuple[int, str]:
        return self.send("submission", payload)

    def event(self, callback: dict[str, Any]) -> tuple[int, str]:
        return self.send("event", callback)

    def idle(self) -> None:
        assert self.bot.container.wait_idle(15)

    def stop(self) -> None:
        self.bot.container.shutdown()


@dataclass
class Running(BotUnderTest):
    """The bot behind its HTTP endpoint; requests are signed as Slack signs them."""

    bot: Bot
    server: HttpServer
    fake: FakeSlack

    def post(
        self, body: str, *, secret: str = SECRET, timestamp: int | None = None
    ) -> tuple[int, str]:
        headers = signed_headers(secret, body, timestamp)
        req = urllib.request.Request(self.server.url, data=body.encode(), headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def send(self, kind: Kind, payload: dict[str, Any]) -> tuple[int, str]:
        if kind == "command":
            body = urlencode(payload)
        elif kind == "event":
            body = json.dumps(payload)
        else:
            body = urlencode({"payload": json.dumps(payload)})
        return self.post(body)

    def stop(self) -> None:
        self.server.stop()
        super().stop()


_ENVELOPE_TYPES: dict[Kind, str] = {
    "command": "slash_commands",
    "action": "interactive",
    "submission": "interactive",
    "event": "events_api",
}


@dataclass
class SocketRunning(BotUnderTest):
    """The bot connected to FakeSlack's Socket Mode server with slack_sdk's builtin client.

    An ack arriving is Socket Mode's 200 (bolt sends none for a failed dispatch), and the
    ack's ``payload`` is what HTTP mode would have put in the response body.
    """

    bot: Bot
    handler: SocketModeHandler
    socket_mode: FakeSocketModeServer
    fake: FakeSlack

    def send(self, kind: Kind, payload: dict[str, Any]) -> tuple[int, str]:
        envelope_id = self.socket_mode.send_envelope(_ENVELOPE_TYPES[kind], payload)
        ack = self.socket_mode.wait_for_ack(envelope_id, timeout=ACK_TIMEOUT)
        return 200, json.dumps(ack["payload"]) if "payload" in ack else ""

    def stop(self) -> None:
        # handler.close() waits out the client's blocking receive (~4 s per test).
        self.socket_mode.close_client(self.handler.client)
        super().stop()


def start_bot(fake: FakeSlack, matcher: Matcher, **settings: Any) -> Running:
    s = settings_for(fake, **settings)
    bot = build_bot(s, matcher, "http")
    server = HttpServer(bot.app, "127.0.0.1", 0).start()
    return Running(bot, server, fake)


def start_socket_bot(fake: FakeSlack, matcher: Matcher, **settings: Any) -> SocketRunning:
    assert fake.socket_mode is not None, "FakeSlack needs a FakeSocketModeServer"
    s = settings_for(fake, **settings)
    bot = build_bot(s, matcher, "socket")
    handler = socket_mode_handler(bot.app, "xapp-1-test")
    handler.connect()
    # connect() logs a failure instead of raising it.
    fake.socket_mode.wait_connected(timeout=5)
    return SocketRunning(bot, handler, fake.socket_mode, fake)


TRANSPORTS = ["http", "socket"]


def start_on(transport: str, fake: FakeSlack, matcher: Matcher, **settings: Any) -> BotUnderTest:
    if transport == "http":
        return start_bot(fake, matcher, **settings)
    return start_socket_bot(fake, matcher, **settings)


@pytest.fixture(params=TRANSPORTS)
def running(
    request: pytest.FixtureRequest, fake_slack: FakeSlack, matcher: Matcher
) -> Iterator[BotUnderTest]:
    """The bot over each transport in turn; ``indirect`` parametrization narrows it."""
    r = start_on(request.param, fake_slack, matcher)
    yield r
    r.stop()


def response_bodies(fake: FakeSlack) -> list[dict[str, Any]]:
    return [r["body"] for r in fake.responses()]


def wait_responses(fake: FakeSlack, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
    return [r["body"] for r in fake.wait_for_response(count, timeout)]


def command_answer(
    r: BotUnderTest, text: str, user: str, team: str = TEAM_ID
) -> tuple[str, dict[str, Any]]:
    """Send `/match text`; the ack's body and the (last) response_url answer it produced."""
    before = len(r.fake.responses())
    status, ack = r.command(
        slash_command_payload(
            text=text, user_id=user, team_id=team, response_url=r.fake.new_response_url()
        )
    )
    assert status == 200
    r.idle()
    return ack, wait_responses(r.fake, before + 1)[-1]


def all_text(payload: dict[str, Any]) -> str:
    """Every string in a message or view, for assertions on content."""
    return json.dumps(payload, ensure_ascii=False)


def wait_until(cond: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)
