"""The same bot over Socket Mode against the fake Socket Mode server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.slack.server import socket_mode_handler
from matching.service import Matcher
from testkit.fakeslack import FakeSlack, FakeSocketModeServer, event_callback, slash_command_payload
from testkit.fakeslack.fixtures import fake_slack, fake_socket_mode
from tests.support.slackbot import Bot, all_text, build_bot, settings_for

__all__ = ["fake_slack", "fake_socket_mode"]


@pytest.fixture
def socket_bot(
    fake_slack: FakeSlack, fake_socket_mode: FakeSocketModeServer, matcher: Matcher
) -> Iterator[Bot]:
    bot = build_bot(settings_for(fake_slack), matcher, "socket")
    handler = socket_mode_handler(bot.app, "xapp-1-test")
    handler.connect()  # type: ignore[no-untyped-call]
    fake_socket_mode.wait_connected(timeout=5)
    yield bot
    fake_socket_mode.close_client(handler.client)
    bot.container.shutdown()


def test_describe_and_home_over_socket_mode(
    socket_bot: Bot, fake_slack: FakeSlack, fake_socket_mode: FakeSocketModeServer
) -> None:
    for user, text in (
        ("U0BERT", "describe Wir beraten Senior*innen und nutzen CiviCRM."),
        ("U0ANNA", "beschreiben Senior*innen lernen Tablets, Kontakte in CiviCRM."),
    ):
        before = len(fake_slack.responses())
        envelope = fake_socket_mode.send_envelope(
            "slash_commands",
            slash_command_payload(
                text=text, user_id=user, response_url=fake_slack.new_response_url()
            ),
        )
        ack = fake_socket_mode.wait_for_ack_timing(envelope)
        assert ack.seconds < 3
        assert "payload" not in ack.message  # the answer comes via response_url
        fake_slack.wait_for_response(before + 1, timeout=10)
    assert "U0BERT" in all_text(fake_slack.responses()[-1]["body"])

    event = event_callback({"type": "app_home_opened", "user": "U0ANNA", "tab": "home"})
    assert fake_socket_mode.wait_for_ack(fake_socket_mode.send_envelope("events_api", event))
    view = fake_slack.wait_for("views.publish", ok_only=True, timeout=10)[-1].params["view"]
    assert "suggestion_connect" in all_text(view)
    assert fake_slack.last("apps.connections.open").token == "xapp-1-test"
