"""The fake Slack answers the real slack_sdk and slack_bolt as Slack does."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from testkit.fakeslack import (
    BOT_USER_ID,
    TEAM_ID,
    FakeSlack,
    FakeSocketModeServer,
    block_actions_payload,
    event_callback,
    mentions,
    signed_bolt_request,
    signed_headers,
    slash_command_body,
    slash_command_payload,
    view_submission_body,
)
from testkit.fakeslack.fixtures import fake_slack, fake_socket_mode

__all__ = ["fake_slack", "fake_socket_mode"]  # re-exported so pytest finds the fixtures

SECRET = "test-signing-secret"


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(base_url=fake_slack.base_url, token="xoxb-test")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# ---------------------------------------------------------------------- Web API basics


def test_post_message_is_recorded_with_slack_shape(
    fake_slack: FakeSlack, client: WebClient
) -> None:
    resp = client.chat_postMessage(channel="C1", text="Hallo", blocks=[_section("*Hallo*")])

    assert resp["ok"] is True
    assert resp["channel"] == "C1"
    assert resp["message"]["blocks"][0]["text"]["text"] == "*Hallo*"
    call = fake_slack.last("chat.postMessage")
    assert call.token == "xoxb-test"
    assert call.params["blocks"] == [_section("*Hallo*")]
    assert [m["text"] for m in fake_slack.messages("C1")] == ["Hallo"]
    assert fake_slack.wait_for("chat.postMessage") == [call]


def test_form_bodies_with_json_encoded_blocks_are_decoded(fake_slack: FakeSlack) -> None:
    body = "channel=C1&text=hi&blocks=" + urllib.parse.quote(json.dumps([_section("x")]))
    request = urllib.request.Request(
        fake_slack.base_url + "chat.postMessage",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    request.add_header("Authorization", "Bearer xoxb-form")
    with urllib.request.urlopen(request) as raw:
        assert json.load(raw)["ok"] is True
    assert fake_slack.last("chat.postMessage").params["blocks"] == [_section("x")]


def test_auth_test_and_unknown_method(client: WebClient) -> None:
    auth = client.auth_test()
    assert (auth["team_id"], auth["user_id"]) == (TEAM_ID, BOT_USER_ID)
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.nonsense")
    assert err.value.response["error"] == "unknown_method"


def test_ts_values_increase(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(5)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 5


def test_update_and_delete_need_an_existing_message(
    fake_slack: FakeSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C1", text="alt")["ts"]
    client.chat_update(channel="C1", ts=ts, text="neu")
    assert fake_slack.messages("C1")[0]["text"] == "neu"
    client.chat_delete(channel="C1", ts=ts)
    assert fake_slack.messages("C1") == []
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts=ts, text="zu spät")
    assert err.value.response["error"] == "message_not_found"


def test_ephemeral_messages_are_kept_apart(fake_slack: FakeSlack, client: WebClient) -> None:
    resp = client.chat_postEphemeral(channel="C1", user="U1", text="nur für dich")
    assert "message_ts" in resp
    assert fake_slack.messages() == []
    assert fake_slack.ephemerals(user="U1")[0]["text"] == "nur für dich"


def test_conversations_open_gives_stable_ids(fake_slack: FakeSlack, client: WebClient) -> None:
    dm = client.conversations_open(users=["U1"])["channel"]["id"]
    group = client.conversations_open(users="U2,U1")["channel"]["id"]
    assert dm.startswith("D")
    assert group.startswith("G")
    assert client.conversations_open(users=["U1", "U2"])["channel"]["id"] == group
    # Posting to a user id lands in the DM, as on Slack.
    assert client.chat_postMessage(channel="U1", text="hi")["channel"] == dm


def test_users_info_and_deactivated_users(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.add_user("U1", name="anna", tz="Europe/Berlin", locale="de-DE")
    fake_slack.add_user("U2", name="gone", deleted=True)

    user = client.users_info(user="U1")["user"]
    assert user["tz"] == "Europe/Berlin"
    assert "locale" not in user  # Slack needs include_locale=true
    assert client.users_info(user="U1", include_locale=True)["user"]["locale"] == "de-DE"
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as err:
        client.conversations_open(users=["U2"])
    assert err.value.response["error"] == "user_disabled"


def test_conversations_members_paginates_through_the_client_cursor(
    fake_slack: FakeSlack, client: WebClient
) -> None:
    members = [f"U{i:03d}" for i in range(7)]
    fake_slack.set_channel_members("C1", members)

    pages = [page["members"] for page in client.conversations_members(channel="C1", limit=3)]

    assert pages == [members[0:3], members[3:6], members[6:7]]
    assert [c.params.get("cursor") is None for c in fake_slack.calls()] == [True, False, False]


def test_users_list_includes_bots_like_slack(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.add_user("U1")
    ids = [u["id"] for page in client.users_list(limit=2) for u in page["members"]]
    assert ids == ["U1", BOT_USER_ID, "USLACKBOT"]


# ---------------------------------------------------------------------- faults and retries


def test_rate_limit_raises_without_a_retry_handler(
    fake_slack: FakeSlack, client: WebClient
) -> None:
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert err.value.response["error"] == "ratelimited"


def test_rate_limit_and_connection_errors_are_retried(fake_slack: FakeSlack) -> None:
    client = WebClient(
        base_url=fake_slack.base_url,
        token="xoxb-test",
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(
                max_retry_count=2,
                interval_calculator=FixedValueRetryIntervalCalculator(0.05),
            ),
        ],
    )
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    fake_slack.fail_connection_next("chat.postMessage")

    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True

    assert time.monotonic() - started >= 1.0  # honoured Retry-After
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [429, 0, 200]
    assert len(fake_slack.wait_for("chat.postMessage", ok_only=True)) == 1


def test_lost_response_after_processing_duplicates_a_post(fake_slack: FakeSlack) -> None:
    # The default WebClient retries connection errors once: a post whose answer was lost
    # is sent twice, which is why digests need an idempotency key of their own.
    client = WebClient(base_url=fake_slack.base_url, token="xoxb-test")
    fake_slack.fail_connection_next("chat.postMessage", processed=True)
    client.chat_postMessage(channel="C1", text="digest")
    assert [m["text"] for m in fake_slack.messages("C1")] == ["digest", "digest"]


def test_error_injection(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.error_next("users.info", error="fatal_error")
    fake_slack.error_for("conversations.open", {"users": "U_GONE"}, "cannot_dm_bot")
    fake_slack.add_user("U1")

    with pytest.raises(SlackApiError, match="fatal_error"):
        client.users_info(user="U1")
    assert client.users_info(user="U1")["ok"] is True
    for _ in range(2):
        with pytest.raises(SlackApiError, match="cannot_dm_bot"):
            client.conversations_open(users=["U1", "U_GONE"])


def test_tokens_are_checked(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=fake_slack.base_url).auth_test()
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        WebClient(base_url=fake_slack.base_url, token="xapp-1-test").auth_test()
    fake_slack.revoke_token("xoxb-old")
    with pytest.raises(SlackApiError, match="token_revoked"):
        WebClient(base_url=fake_slack.base_url, token="xoxb-old").auth_test()


# ---------------------------------------------------------------------- Block Kit limits


@pytest.mark.parametrize(
    "blocks",
    [
        [_section(f"Block {i}") for i in range(51)],
        [_section("x" * 3001)],
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        [_section("")],
        [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "x" * 76},
                        "action_id": "a",
                    }
                ],
            }
        ],
        [
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "ok"}, "action_id": a}
                    for a in ("x" * 256, "dup")
                ],
            }
        ],
        [_section("a") | {"block_id": "same"}, _section("b") | {"block_id": "same"}],
    ],
    ids=["51-blocks", "long-section", "long-header", "empty", "long-button", "long-action", "dup"],
)
def test_block_kit_limits_give_invalid_blocks(
    client: WebClient, blocks: list[dict[str, Any]]
) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)
    assert err.value.response["error"] == "invalid_blocks"
    assert err.value.response["response_metadata"]["messages"]


def test_block_kit_at_the_limits_is_accepted(client: WebClient) -> None:
    blocks = [_section("x" * 3000)] + [_section(str(i)) for i in range(49)]
    assert client.chat_postMessage(channel="C1", text="x", blocks=blocks)["ok"] is True
    with pytest.raises(SlackApiError, match="msg_too_long"):
        client.chat_postMessage(channel="C1", text="x" * 40_001)


def test_views_are_checked_and_stored(fake_slack: FakeSlack, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "describe",
        "title": {"type": "plain_text", "text": "Projekt beschreiben"},
        "submit": {"type": "plain_text", "text": "Senden"},
        "blocks": [
            {
                "type": "input",
                "block_id": "desc",
                "label": {"type": "plain_text", "text": "Beschreibung"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            }
        ],
    }
    view = client.views_open(trigger_id="t-1", view=modal)["view"]
    assert view["id"].startswith("V")
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=modal)["view"]
    assert updated["id"] == view["id"]

    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        client.views_open(trigger_id="t-1", view=modal)
    too_long_title = modal | {"title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_open(trigger_id="t-2", view=too_long_title)
    too_many = modal | {"blocks": [_section(str(i)) for i in range(101)]}
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_open(trigger_id="t-3", view=too_many)
    home = {"type": "home", "blocks": [_section(str(i)) for i in range(100)]}
    assert client.views_publish(user_id="U1", view=home)["view"]["type"] == "home"


def test_expired_trigger_ids_are_refused(client: WebClient) -> None:
    stale = f"1.{int((time.time() - 4) * 1000)}.abc"
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        client.views_open(trigger_id=stale, view=modal)


def test_mentions_finds_pings() -> None:
    message = {
        "text": "<!channel> hi",
        "blocks": [
            _section("<@U123> and &lt;!here&gt;"),
            {"type": "header", "text": {"type": "plain_text", "text": "<!everyone>"}},
        ],
    }
    assert mentions(message) == ["!channel", "@U123"]


# ---------------------------------------------------------------------- files


def test_files_upload_v2_round_trip(fake_slack: FakeSlack, client: WebClient) -> None:
    resp = client.files_upload_v2(
        channel="C1",
        filename="matches.csv",
        title="Workshop-Paare",
        content="a,b\nU1,U2\n",
        initial_comment="Hier sind die Paare",
    )

    assert resp["file"]["name"] == "matches.csv"
    [uploaded] = fake_slack.uploaded_files()
    assert uploaded["content"] == b"a,b\nU1,U2\n"
    assert uploaded["title"] == "Workshop-Paare"
    assert uploaded["channel_id"] == "C1"
    assert uploaded["initial_comment"] == "Hier sind die Paare"


# ---------------------------------------------------------------------- bolt over HTTP


def _http_app(fake_slack: FakeSlack) -> App:
    return App(
        client=WebClient(base_url=fake_slack.base_url, token="xoxb-test"),
        signing_secret=SECRET,
    )


def test_bolt_http_mode_slash_command_with_respond(fake_slack: FakeSlack) -> None:
    app = _http_app(fake_slack)

    @app.command("/match")
    def match(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        respond(text=f"Du suchst: {command['text']}")

    body = slash_command_body(text="CiviCRM", response_url=fake_slack.new_response_url())
    resp = app.dispatch(signed_bolt_request(SECRET, body))

    assert resp.status == 200
    [posted] = fake_slack.wait_for_response()
    assert posted["body"]["text"] == "Du suchst: CiviCRM"


def test_bolt_refuses_bad_and_stale_signatures(fake_slack: FakeSlack) -> None:
    app = _http_app(fake_slack)
    app.command("/match")(lambda ack: ack())
    body = slash_command_body()
    stale = signed_bolt_request(SECRET, body, timestamp=int(time.time()) - 600)
    assert app.dispatch(stale).status == 401
    assert app.dispatch(signed_bolt_request("other-secret", body)).status == 401
    assert app.dispatch(signed_bolt_request(SECRET, body)).status == 200
    headers = signed_headers(SECRET, body)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_bolt_http_mode_view_submission(fake_slack: FakeSlack) -> None:
    app = _http_app(fake_slack)
    seen: list[str] = []

    @app.view("describe")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        seen.append(view["state"]["values"]["desc"]["text"]["value"])
        ack(response_action="errors", errors={"desc": "zu kurz"})

    values = {"desc": {"text": {"type": "plain_text_input", "value": "kurz"}}}
    body = view_submission_body(callback_id="describe", values=values)
    resp = app.dispatch(signed_bolt_request(SECRET, body))

    assert seen == ["kurz"]
    assert json.loads(resp.body) == {"response_action": "errors", "errors": {"desc": "zu kurz"}}


# ---------------------------------------------------------------------- Socket Mode


@pytest.fixture
def socket_app(
    fake_slack: FakeSlack, fake_socket_mode: FakeSocketModeServer
) -> Iterator[tuple[App, SocketModeHandler]]:
    app = App(client=WebClient(base_url=fake_slack.base_url, token="xoxb-test"))
    handler = SocketModeHandler(app, app_token="xapp-1-test")
    yield app, handler
    fake_socket_mode.close_client(handler.client)


def test_bolt_socket_mode_acks_a_slash_command(
    fake_slack: FakeSlack,
    fake_socket_mode: FakeSocketModeServer,
    socket_app: tuple[App, SocketModeHandler],
) -> None:
    app, handler = socket_app
    clicks: list[str] = []

    @app.command("/match")
    def match(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack(text=f"Suche für {command['user_id']} läuft")
        client.chat_postMessage(channel=command["user_id"], text="Ergebnisse")

    @app.action("connect")
    def connect(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        clicks.append(body["actions"][0]["value"])

    handler.connect()
    fake_socket_mode.wait_connected(timeout=5)

    envelope_id = fake_socket_mode.send_envelope(
        "slash_commands", slash_command_payload(user_id="U7", text="Senior*innen")
    )
    ack = fake_socket_mode.wait_for_ack(envelope_id, timeout=5)
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "Suche für U7 läuft"}}
    assert fake_slack.wait_for("chat.postMessage")[0].params["channel"] == "U7"
    assert fake_slack.last("apps.connections.open").token == "xapp-1-test"
    assert fake_socket_mode.connection_paths()[0].startswith("/link/?ticket=")

    action = block_actions_payload(action_id="connect", value="U1:U2")
    action_id = fake_socket_mode.send_envelope("interactive", action)
    action_ack = fake_socket_mode.wait_for_ack(action_id)
    assert "payload" not in action_ack
    assert clicks == ["U1:U2"]

    # bolt never acks an event it has no listener for (it answers 404 internally).
    app.event("app_home_opened")(lambda ack: ack())
    event = event_callback({"type": "app_home_opened", "user": "U7", "tab": "home"})
    assert fake_socket_mode.wait_for_ack(fake_socket_mode.send_envelope("events_api", event))


def test_socket_mode_client_reconnects_on_disconnect_message(
    fake_socket_mode: FakeSocketModeServer, socket_app: tuple[App, SocketModeHandler]
) -> None:
    app, handler = socket_app
    app.command("/match")(lambda ack: ack())
    handler.connect()
    fake_socket_mode.wait_connected()

    fake_socket_mode.send_disconnect(close_after=0.2)
    deadline = time.monotonic() + 5
    while len(fake_socket_mode.connection_paths()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)

    assert len(fake_socket_mode.connection_paths()) >= 2
    fake_socket_mode.wait_connected()
    assert fake_socket_mode.wait_for_ack(fake_socket_mode.send_slash_command())
