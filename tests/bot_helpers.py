"""Shared set-up for the bot tests: a running bot over HTTP against FakeSlack."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import Bot, build_bot
from bot.runtime import Runtime
from bot.server import HttpServer
from bot.settings import Settings
from bot.worker import Worker
from matching.service import Matcher
from tests.fakeslack import FakeSlack, signed_headers

SECRET = "test-signing-secret"


def settings_for(fake: FakeSlack, db_url: str = "sqlite://", **extra: Any) -> Settings:
    return Settings(
        database_url=db_url,
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-1-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        **extra,
    )


@dataclass
class Running:
    bot: Bot
    server: HttpServer
    fake: FakeSlack

    @property
    def services(self) -> Any:
        return self.bot.services

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

    def idle(self) -> None:
        assert self.bot.services.wait_idle(15)


def start_bot(fake: FakeSlack, matcher: Matcher, **settings: Any) -> Running:
    s = settings_for(fake, **settings)
    runtime = Runtime(s, matcher.store, matcher)
    bot = build_bot(runtime, mode="http", worker=Worker(2))
    server = HttpServer(bot.app, "127.0.0.1", 0).start()
    return Running(bot, server, fake)


@pytest.fixture
def running(fake_slack: FakeSlack, matcher: Matcher) -> Iterator[Running]:
    r = start_bot(fake_slack, matcher)
    yield r
    r.server.stop()
    r.bot.services.shutdown()


def response_bodies(fake: FakeSlack) -> list[dict[str, Any]]:
    return [r["body"] for r in fake.responses()]


def wait_responses(fake: FakeSlack, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
    return [r["body"] for r in fake.wait_for_response(count, timeout)]


def all_text(payload: dict[str, Any]) -> str:
    """Every string in a message or view, for assertions on content."""
    return json.dumps(payload, ensure_ascii=False)


def wait_until(cond: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)
