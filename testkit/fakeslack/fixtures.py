"""Pytest fixtures; the project conftest imports them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .socketmode import FakeSocketModeServer
from .webapi import FakeSlack

_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


@pytest.fixture
def fake_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """A started FakeSlack with a Socket Mode server wired to apps.connections.open."""
    # slack_sdk's Socket Mode client reads these and ignores NO_PROXY, so a proxy set in CI
    # would send the connection to 127.0.0.1 through it (and wrap it in TLS).
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with FakeSlack(socket_mode=FakeSocketModeServer()) as fake:
        yield fake


@pytest.fixture
def fake_socket_mode(fake_slack: FakeSlack) -> FakeSocketModeServer:
    """The Socket Mode server behind ``fake_slack``."""
    assert fake_slack.socket_mode is not None
    return fake_slack.socket_mode
