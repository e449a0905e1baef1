"""The HTTP edge under hostile input (issue 9, findings 1, 2, 3, 9, 10).

Every request goes through the real server (bot.server.HttpServer) over a raw socket,
so malformed framing (Content-Length, truncated bodies) reaches it as a client would
send it, and the real bolt App answers it with the fake Slack behind its WebClient.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.messages import t
from bot.slack.blocks.modals import DESCRIBE_CALLBACK
from bot.slack.listeners.common import response_url_allowed
from bot.slack.server import EVENTS_PATH, MAX_BODY, RejectLog, RequestVerifier
from matching.service import Matcher
from profiles.db import Store
from profiles.migrate import upgrade
from profiles.models import Member
from testkit.embedders import HashEmbedder
from testkit.fakeslack import (
    FakeSlack,
    block_actions_payload,
    event_callback,
    slash_command_payload,
    view_submission_payload,
)
from testkit.fakeslack.fixtures import fake_slack
from tests.support.slackbot import SECRET, Running, start_bot

__all__ = ["fake_slack"]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


# ---------------------------------------------------------------- a raw HTTP client


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def exchange(port: int, data: bytes, *, half_close: bool = False) -> Answer:
    """Send ``data`` as it is and read one response; raises unless it is well-formed."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before it has read everything
        resp = http.client.HTTPResponse(sock, method="POST")
        resp.begin()
        body = resp.read()
        return Answer(resp.status, resp.headers, body)


def raw_request(
    body: bytes,
    headers: list[tuple[str, str]],
    *,
    length: str | None = "auto",
    path: str = EVENTS_PATH,
) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"]
    if length == "auto":
        lines.append(f"Content-Length: {len(body)}")
    elif length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{k}: {v}" for k, v in headers]
    # UTF-8 on the wire: the server reads header bytes as Latin-1, as http.server does.
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def signature(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed(body: bytes, content_type: str = FORM) -> list[tuple[str, str]]:
    ts = str(int(time.time()))
    return [
        ("Content-Type", content_type),
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", signature(body, ts)),
    ]


def post(port: int, body: bytes, headers: list[tuple[str, str]], **kw: Any) -> Answer:
    return exchange(port, raw_request(body, headers, **kw))


def post_signed(port: int, body: bytes, content_type: str = FORM) -> Answer:
    return post(port, body, signed(body, content_type))


def form(payload: dict[str, Any]) -> bytes:
    return urlencode(payload).encode()


def interactive(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def bot(fake_slack: FakeSlack, matcher: Matcher) -> Iterator[Running]:
    r = start_bot(fake_slack, matcher)
    yield r
    r.stop()


@dataclass
class Outbound:
    """What the bot has sent to Slack so far (bolt's auth.test at start-up aside)."""

    calls: int
    responses: int

    @classmethod
    def of(cls, fake: FakeSlack) -> Outbound:
        calls = [c for c in fake.calls() if c.method != "auth.test"]
        return cls(len(calls), len(fake.responses()))


def members(r: Running) -> int:
    with r.container.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Member)) or 0)


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


# ---------------------------------------------------------------- finding 1: unsigned


BAD_TIMESTAMPS = ["abc", "", "1e9", "NaN", "12.5", " 1", "+1", "١٢٣", "9" * 40]


@pytest.mark.parametrize("timestamp", BAD_TIMESTAMPS)
def test_unsigned_request_with_bad_timestamp_sends_and_stores_nothing(
    bot: Running, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    caplog.set_level(logging.INFO)
    body = form(
        slash_command_payload(
            text="describe Wir digitalisieren die Tafel.",
            user_id="U0VICTIM",
            response_url=fake_slack.new_response_url(),
        )
    )
    headers = [
        ("Content-Type", FORM),
        ("X-Slack-Request-Timestamp", timestamp),
        ("X-Slack-Signature", signature(body, timestamp)),
    ]
    answer = post(bot.server.port, body, headers)
    assert answer.status == 401
    bot.idle()
    assert Outbound.of(fake_slack) == Outbound(0, 0)
    assert members(bot) == 0
    assert errors(caplog) == []


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("X-Slack-Signature", "v0=" + "0" * 64)],
        [("X-Slack-Request-Timestamp", "1")],
        [("X-Slack-Request-Timestamp", "1"), ("X-Slack-Signature", "v0=ü")],
    ],
    ids=["none", "signature-only", "old-timestamp-only", "non-ascii-signature"],
)
def test_unsigned_interaction_sends_nothing(
    bot: Running, fake_slack: FakeSlack, headers: list[tuple[str, str]]
) -> None:
    body = interactive(
        block_actions_payload(
            "forget_confirm", user_id="U0VICTIM", response_url=fake_slack.new_response_url()
        )
    )
    assert post(bot.server.port, body, [("Content-Type", FORM), *headers]).status == 401
    bot.idle()
    assert Outbound.of(fake_slack) == Outbound(0, 0)


def test_stale_and_foreign_signatures_are_refused(bot: Running, fake_slack: FakeSlack) -> None:
    body = form(slash_command_payload(text="help", response_url=fake_slack.new_response_url()))
    stale = str(int(time.time()) - 3600)
    for ts, sig in (
        (stale, signature(body, stale)),
        (str(int(time.time())), signature(body, str(int(time.time())), "another-secret")),
    ):
        headers = [("X-Slack-Request-Timestamp", ts), ("X-Slack-Signature", sig)]
        assert post(bot.server.port, body, headers).status == 401
    bot.idle()
    assert Outbound.of(fake_slack) == Outbound(0, 0)


def test_error_handler_does_not_act_on_unverified_requests(
    bot: Running, fake_slack: FakeSlack
) -> None:
    """Defence in depth: a request that skips the server (another adapter, a test) and
    makes bolt's own signature check raise still sends nothing."""
    from slack_bolt import BoltRequest

    body = form(slash_command_payload(text="help", response_url=fake_slack.new_response_url()))
    request = BoltRequest(
        body=body.decode(),
        headers={"x-slack-request-timestamp": "abc", "x-slack-signature": "v0=x"},
    )
    resp = bot.bot.app.dispatch(request)
    assert resp.status == 401
    bot.idle()
    assert Outbound.of(fake_slack) == Outbound(0, 0)


def test_signed_command_with_foreign_response_url_answers_by_dm(
    bot: Running, fake_slack: FakeSlack
) -> None:
    with FakeSlack() as attacker:
        body = form(
            slash_command_payload(
                text="help", user_id="U0ANNA", response_url=attacker.new_response_url()
            )
        )
        assert post_signed(bot.server.port, body).status == 200
        bot.idle()
        assert attacker.calls() == [] and attacker.responses() == []
    dm = fake_slack.wait_for("chat.postMessage")[-1]
    assert "beschreiben" in json.dumps(dm.params, ensure_ascii=False)
    assert fake_slack.responses() == []


@pytest.mark.parametrize("foreign", [True, False], ids=["foreign-url", "slack-url"])
def test_error_apology_goes_only_to_slacks_response_url(
    bot: Running, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, foreign: bool
) -> None:
    """A signed command whose listener crashes in the request thread: bolt's error
    handler apologises, through the response URL only when it is Slack's."""

    def boom(text: str) -> Any:
        raise RuntimeError("a bug in the listener")

    monkeypatch.setattr(bot.bot.container.commands, "parse", boom)
    with FakeSlack() as attacker:
        url = (attacker if foreign else fake_slack).new_response_url()
        body = form(slash_command_payload(text="help", user_id="U0ANNA", response_url=url))
        answer = post_signed(bot.server.port, body)
        assert answer.status < 600  # bolt's own answer to a failed listener
        bot.idle()
        assert attacker.calls() == [] and attacker.responses() == []
    apology = t("bot.error.generic", "de")
    if foreign:
        assert fake_slack.responses() == []
        dm = fake_slack.wait_for("chat.postMessage")[-1]
        assert apology in json.dumps(dm.params, ensure_ascii=False)
    else:
        answered = fake_slack.wait_for_response(1)[-1]["body"]
        assert apology in json.dumps(answered, ensure_ascii=False)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/abc", True),
        ("https://hooks.slack-gov.com/actions/T1/2/abc", True),
        ("https://hooks.slack.com:443/commands/x", True),
        ("http://hooks.slack.com/commands/x", False),
        ("https://hooks.slack.com.evil.example/x", False),
        ("https://hooks.slack.com@evil.example/x", False),
        ("https://evil.example/hooks.slack.com", False),
        ("https://hooks.slack.com:8443/x", False),
        ("http://127.0.0.1:9999/response/x", True),  # the SLACK_API_URL host below
        ("http://127.0.0.1:9998/response/x", False),
        ("https://127.0.0.1:9999/response/x", False),
        ("http://[::1/x", False),
        ("", False),
        ("javascript:alert(1)", False),
    ],
)
def test_response_url_allow_list(url: str, allowed: bool) -> None:
    assert response_url_allowed(url, "http://127.0.0.1:9999/api/") is allowed


def test_without_api_url_only_slack_hosts_are_allowed() -> None:
    assert response_url_allowed("https://hooks.slack.com/x", None)
    assert not response_url_allowed("http://127.0.0.1:9999/response/x", None)


# ---------------------------------------------------------------- finding 2: garbage


NESTED = b"[" * 100_000
LONG_NUMBER = b'{"type": "event_callback", "n": ' + b"9" * 5000 + b"}"
GARBAGE_BODIES = {
    "broken-payload": (b"payload=%7Bbroken", FORM),
    "null-payload": (b"payload=null", FORM),
    "list-payload": (b"payload=%5B1%5D", FORM),
    "json-list": (b"[]", JSON),
    "json-null": (b"null", JSON),
    "json-number": (b"123", JSON),
    "form-as-json": (form(slash_command_payload(text="help")), JSON),
    "nested": (NESTED, JSON),
    "long-number": (LONG_NUMBER, JSON),
    "event-null": (json.dumps(event_callback(None)).encode(), JSON),  # type: ignore[arg-type]
    "event-list": (json.dumps(event_callback([1])).encode(), JSON),  # type: ignore[arg-type]
    "not-utf8": (b"\xff\xfe\x00payload", FORM),
}


@pytest.mark.parametrize("case", GARBAGE_BODIES, ids=list(GARBAGE_BODIES))
def test_garbage_bodies_get_a_4xx_unsigned_and_signed(
    bot: Running,
    fake_slack: FakeSlack,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    body, content_type = GARBAGE_BODIES[case]
    unsigned = post(bot.server.port, body, [("Content-Type", content_type)])
    assert unsigned.status == 401
    # Only someone holding the secret could send these; still an answer, not a crash.
    # (Slack signs UTF-8 text only, so bytes that are not UTF-8 cannot verify.)
    answer = post_signed(bot.server.port, body, content_type)
    assert answer.status == (401 if case == "not-utf8" else 400)
    bot.idle()
    assert Outbound.of(fake_slack) == Outbound(0, 0)
    assert capfd.readouterr().err == ""
    assert errors(caplog) == []


@pytest.mark.parametrize(
    ("length", "status"),
    [
        ("abc", 400),
        ("1e3", 400),
        ("0x10", 400),
        ("-1", 400),
        ("+5", 400),
        ("5, 5", 400),
        (None, 411),
        (str(MAX_BODY + 1), 413),
        ("9" * 30, 400),
    ],
)
def test_bad_content_length_gets_an_answer(
    bot: Running, capfd: pytest.CaptureFixture[str], length: str | None, status: int
) -> None:
    answer = post(bot.server.port, b"", [("Content-Type", FORM)], length=length)
    assert answer.status == status
    assert answer.headers.get("Connection") == "close"
    assert capfd.readouterr().err == ""


def test_repeated_content_length_and_chunked_bodies_are_refused(bot: Running) -> None:
    body = b"payload=%7B%7D"
    twice = raw_request(body, [("Content-Length", "3")])
    assert exchange(bot.server.port, twice).status == 400
    chunked = raw_request(
        b"5\r\nhello\r\n0\r\n\r\n", [("Transfer-Encoding", "chunked")], length=None
    )
    assert exchange(bot.server.port, chunked).status == 411


def test_truncated_body_gets_an_answer(bot: Running) -> None:
    data = raw_request(b"short", [("Content-Type", FORM)], length="500")
    assert exchange(bot.server.port, data, half_close=True).status == 400


def test_oversized_body_is_refused_before_reading(bot: Running, fake_slack: FakeSlack) -> None:
    body = b"a=" + b"x" * (MAX_BODY + 10)
    assert post_signed(bot.server.port, body).status == 413
    assert Outbound.of(fake_slack) == Outbound(0, 0)


def test_other_paths_and_methods(bot: Running) -> None:
    assert post(bot.server.port, b"", [], path="/elsewhere").status == 404
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    assert exchange(bot.server.port, data).status == 200
    assert exchange(bot.server.port, b"BREW /slack/events HTTP/1.1\r\n\r\n").status == 501
    assert exchange(bot.server.port, b"\x00\x01garbage\r\n\r\n").status == 400


def test_a_rejected_request_keeps_the_connection_usable(bot: Running) -> None:
    """A 401 read the whole body, so the next request on the connection is understood."""
    body = form(slash_command_payload(text="help"))
    conn = http.client.HTTPConnection("127.0.0.1", bot.server.port, timeout=10)
    try:
        conn.request("POST", EVENTS_PATH, body, {"X-Slack-Signature": "v0=bad"})
        first = conn.getresponse()
        first.read()
        assert first.status == 401 and not first.will_close
        sock = conn.sock
        conn.request("GET", "/healthz")
        second = conn.getresponse()
        second.read()
        assert second.status == 200 and conn.sock is sock
    finally:
        conn.close()


# ---------------------------------------------------------------- finding 3: logs


def test_rejected_body_cannot_forge_log_records(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    forged = b"x=1\n2026-01-01 00:00:00,000 ERROR bot.app: unhandled error in a listener\r\n"
    assert post(bot.server.port, forged, [("Content-Type", FORM)]).status == 401
    for rec in caplog.records:
        message = rec.getMessage()
        assert "\n" not in message and "\r" not in message
    assert not any(r.name == "bot.slack.app" for r in caplog.records)
    rejected = [r for r in caplog.records if "rejected request" in r.getMessage()]
    assert len(rejected) == 1
    assert "\\n2026-01-01" in rejected[0].getMessage()


def test_a_flood_of_rejected_requests_writes_little_log(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = b"payload=" + b"A" * 500 + b"\n" * 10
    for _ in range(300):
        assert post(bot.server.port, body, [("Content-Type", FORM)]).status == 401
    written = sum(len(r.getMessage()) for r in caplog.records)
    assert written < 10_000, written
    assert all(len(r.getMessage()) < 500 for r in caplog.records)


def test_reject_log_budget_and_suppressed_count(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    reject = RejectLog(per_minute=3, preview=10, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="bot.slack.server")
    for _ in range(10):
        reject(401, "invalid signature", "1.2.3.4", b"a\nb" * 20)
    assert len(caplog.records) == 3
    assert "(+50 bytes)" in caplog.records[0].getMessage()
    now[0] = 60.0  # a minute later the budget is back, and the gap is reported
    reject(401, "invalid signature", "1.2.3.4", b"")
    assert "7 more rejected requests not logged" in caplog.records[-1].getMessage()


def test_cli_logs_libraries_at_warning() -> None:
    code = (
        "import logging\n"
        "from bot.cli import _setup_logging\n"
        "_setup_logging(False)\n"
        "print(logging.getLogger('slack_bolt.App').getEffectiveLevel(),"
        " logging.getLogger('urllib3').getEffectiveLevel(),"
        " logging.getLogger('bot.slack.server').getEffectiveLevel())\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.split() == [str(logging.WARNING)] * 2 + [str(logging.INFO)]


def test_verifier_never_raises() -> None:
    verifier = RequestVerifier(SECRET)
    now = str(int(time.time()))
    assert verifier.verify(b"a=1", now, signature(b"a=1", now))
    for ts, sig in (
        (None, None),
        ("", ""),
        ("abc", "v0=x"),
        (now, "v0=" + "é" * 64),
        ("1" * 13, "v0=" + "0" * 64),
        (now, signature(b"a=2", now)),
    ):
        assert not verifier.verify(b"a=1", ts, sig)
    assert not verifier.verify(b"\xff", now, signature(b"\xff", now))


# ---------------------------------------------------------------- finding 9: signed oddities


def test_view_state_not_made_of_dicts(
    bot: Running, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    odd_values: list[Any] = [
        {"title": "x", "groups": {"value": 3}},
        {"title": {"value": "x"}, "description": {"value": {"type": "static_select"}}},
        {"groups": {"value": {"type": "multi_static_select", "selected_options": [1, None, "x"]}}},
        {"kind": {"value": {"type": "static_select", "selected_option": "project"}}},
        [1, 2],
    ]
    for values in odd_values:
        payload = view_submission_payload(DESCRIBE_CALLBACK)
        payload["view"]["state"]["values"] = values
        answer = post_signed(bot.server.port, interactive(payload))
        assert answer.status == 200
        assert json.loads(answer.body)["response_action"] == "errors"
    for view in ("a string", None, {"state": "x", "private_metadata": 7}):
        payload = view_submission_payload(DESCRIBE_CALLBACK)
        payload["view"] = view if not isinstance(view, dict) else {**payload["view"], **view}
        assert post_signed(bot.server.port, interactive(payload)).status < 500
    bot.idle()
    assert errors(caplog) == []
    assert members(bot) == 0


@pytest.mark.parametrize("missing", [("team_id",), ("user_id",), ("team_id", "user_id")])
def test_slash_command_without_team_or_user(
    bot: Running,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    missing: tuple[str, ...],
) -> None:
    payload = slash_command_payload(
        text="describe Tafel", response_url=fake_slack.new_response_url()
    )
    for key in missing:
        del payload[key]
    assert post_signed(bot.server.port, form(payload)).status == 200
    bot.idle()
    assert errors(caplog) == []
    assert members(bot) == 0


def test_slash_command_without_response_url_answers_by_dm(
    bot: Running, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    payload = slash_command_payload(text="help", user_id="U0ANNA")
    del payload["response_url"]
    assert post_signed(bot.server.port, form(payload)).status == 200
    bot.idle()
    dm = fake_slack.wait_for("chat.postMessage")[-1]
    assert "beschreiben" in json.dumps(dm.params, ensure_ascii=False)
    assert errors(caplog) == []


@pytest.mark.parametrize("value", ["hourly", "", None, 7, ["weekly"]])
def test_unknown_cadence_from_app_home(
    bot: Running, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, value: Any
) -> None:
    payload = block_actions_payload(
        "home_cadence",
        user_id="U0ANNA",
        view={"type": "home", "id": "V0HOME"},
        action_type="static_select",
        extra_action_fields={"selected_option": {"value": value}},
    )
    assert post_signed(bot.server.port, interactive(payload)).status == 200
    bot.idle()
    assert errors(caplog) == []
    assert members(bot) == 0
    assert Outbound.of(fake_slack) == Outbound(0, 0)


def test_known_cadence_still_works(bot: Running, fake_slack: FakeSlack) -> None:
    payload = block_actions_payload(
        "home_cadence",
        user_id="U0ANNA",
        view={"type": "home", "id": "V0HOME"},
        action_type="static_select",
        extra_action_fields={"selected_option": {"value": "monthly"}},
    )
    assert post_signed(bot.server.port, interactive(payload)).status == 200
    bot.idle()
    with bot.container.store.session() as s:
        assert s.scalars(select(Member.cadence)).all() == ["monthly"]
    assert fake_slack.wait_for("views.publish")


@pytest.mark.parametrize(
    "event", [{"type": "app_home_opened", "tab": "home"}, {"type": "app_home_opened", "user": None}]
)
def test_app_home_opened_without_user(
    bot: Running, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, event: dict[str, Any]
) -> None:
    body = json.dumps(event_callback(event)).encode()
    assert post_signed(bot.server.port, body, JSON).status == 200
    bot.idle()
    assert errors(caplog) == []
    assert fake_slack.calls("views.publish") == []


# ---------------------------------------------------------------- finding 10: help in an outage


def test_help_answers_during_a_database_outage(bot: Running, fake_slack: FakeSlack) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    store = bot.container.store
    working = store._factory
    dead = create_engine(
        "postgresql+psycopg://127.0.0.1:1/gone", connect_args={"connect_timeout": 1}
    )
    store._factory = sessionmaker(dead, expire_on_commit=False)
    try:
        for text in ("help", "hilfe", "tanzen"):
            url = fake_slack.new_response_url()
            body = form(slash_command_payload(text=text, user_id="U0ANNA", response_url=url))
            assert post_signed(bot.server.port, body).status == 200
            bot.idle()
            answer = json.dumps(fake_slack.responses()[-1]["body"], ensure_ascii=False)
            assert "beschreiben" in answer and "vorschläge" in answer
            assert t("bot.error.unavailable", "de") not in answer
    finally:
        store._factory = working
        dead.dispose()


# ---------------------------------------------------------------- property-based


_LATIN = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
header_text = st.text(_LATIN, max_size=40)

bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.sampled_from([b for b, _ in GARBAGE_BODIES.values() if len(b) < 20_000]),
    st.builds(
        lambda text, user, url: form(
            slash_command_payload(text=text, user_id=user, response_url=url)
        ),
        st.text(max_size=50),
        st.sampled_from(["U0VICTIM", "", "U0ANNA"]),
        st.sampled_from(["https://hooks.slack.com/x", "http://127.0.0.1:9/evil"]),
    ),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    ).map(lambda v: json.dumps(v).encode()),
    st.text(max_size=200).map(lambda s: b"payload=" + quote(s).encode()),
)

timestamps = st.one_of(
    st.none(),
    header_text,
    st.sampled_from([*BAD_TIMESTAMPS[:-2], "0", "-1", "1" * 13, str(int(time.time()) - 301)]),
    st.just("now"),
)

signatures = st.one_of(
    st.none(),
    header_text,
    st.text("0123456789abcdef", min_size=64, max_size=64).map(lambda h: "v0=" + h),
    st.just("other-secret"),
    st.just("other-body"),
)

lengths = st.one_of(
    st.just("auto"),
    st.none(),
    header_text,
    st.sampled_from(["abc", "1e3", "0x10", "-1", str(MAX_BODY + 1), "0", "99999"]),
)


@dataclass
class Captured:
    thread_errors: list[str]


@pytest.fixture
def one_server(
    fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Running, Captured]]:
    """One bot for a whole property test (a SQLite file: nothing unsigned reaches it)."""
    captured = Captured([])
    monkeypatch.setattr(
        threading, "excepthook", lambda a: captured.thread_errors.append(repr(a.exc_value))
    )
    monkeypatch.setattr(sys, "unraisablehook", lambda a: captured.thread_errors.append(repr(a)))
    store = Store.from_url(f"sqlite:///{tmp_path}/prop.db")
    upgrade(store.engine)
    r = start_bot(fake_slack, Matcher(store, HashEmbedder()))
    yield r, captured
    r.stop()
    store.dispose()


def test_property_unsigned_requests_get_4xx_and_send_nothing(
    one_server: tuple[Running, Captured],
    fake_slack: FakeSlack,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    r, captured = one_server
    port = r.server.port
    logging_errors: list[str] = []
    original = logging.Handler.handleError
    logging.Handler.handleError = lambda self, record: logging_errors.append(str(record.msg))  # type: ignore[method-assign]

    @settings(
        max_examples=2500,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        body=bodies,
        timestamp=timestamps,
        sig=signatures,
        length=lengths,
        content_type=st.one_of(st.none(), st.sampled_from([FORM, JSON]), header_text),
        extra=st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "X-Slack-Signature",
                        "X-Slack-Request-Timestamp",
                        "Content-Length",
                        "Expect",
                        "X-Junk",
                    ]
                ),
                header_text,
            ),
            max_size=2,
        ),
    )
    def check(
        body: bytes,
        timestamp: str | None,
        sig: str | None,
        length: str | None,
        content_type: str | None,
        extra: list[tuple[str, str]],
    ) -> None:
        now = str(int(time.time()))
        ts = now if timestamp == "now" else timestamp
        if sig == "other-secret":
            sig = signature(body, ts or now, "other-secret")
        elif sig == "other-body":
            sig = signature(body + b" ", ts or now)
        headers = [
            (k, v)
            for k, v in (
                ("Content-Type", content_type),
                ("X-Slack-Request-Timestamp", ts),
                ("X-Slack-Signature", sig),
            )
            if v is not None
        ]
        headers += [(k, v) for k, v in extra if k != "Expect" or v == "100-continue"]
        half_close = (
            length is not None and length.isascii() and length.isdigit() and int(length) > len(body)
        )
        answer = exchange(port, raw_request(body, headers, length=length), half_close=half_close)
        assert 400 <= answer.status < 500, (answer.status, answer.body[:200])
        assert int(answer.headers["Content-Length"]) == len(answer.body)
        assert Outbound.of(fake_slack) == Outbound(0, 0)

    try:
        check()
    finally:
        logging.Handler.handleError = original  # type: ignore[method-assign]
    r.idle()
    assert Outbound.of(fake_slack) == Outbound(0, 0)
    assert members(r) == 0
    assert capfd.readouterr().err == ""
    assert captured.thread_errors == []
    assert logging_errors == []
    assert errors(caplog) == []


def _mutations() -> st.SearchStrategy[dict[str, Any]]:
    """Slack-shaped payloads with one part swapped for something Slack never sends."""
    junk = st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=10),
        st.lists(st.integers(), max_size=2),
        st.just({}),
    )
    templates = st.sampled_from(
        [
            lambda: event_callback({"type": "app_home_opened", "user": "U0ANNA", "tab": "home"}),
            lambda: block_actions_payload("home_cadence", view={"type": "home", "id": "V1"}),
            lambda: block_actions_payload("suggestion_connect", value="x"),
            lambda: block_actions_payload("entry_delete", value="1"),
            lambda: view_submission_payload(DESCRIBE_CALLBACK),
        ]
    )

    def mutate(make: Any, path: list[str], value: Any) -> dict[str, Any]:
        payload: dict[str, Any] = make()
        node: Any = payload
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                return payload
        node[path[-1]] = value
        return payload

    paths = st.sampled_from(
        [
            ["event"],
            ["event", "user"],
            ["event", "tab"],
            ["user"],
            ["user", "id"],
            ["team"],
            ["actions"],
            ["view"],
            ["view", "state"],
            ["view", "private_metadata"],
            ["view", "callback_id"],
            ["container"],
            ["type"],
            ["response_url"],
            ["authorizations"],
            ["enterprise"],
        ]
    )
    return st.builds(mutate, templates, paths, junk)


def test_property_signed_odd_payloads_never_fail(
    one_server: tuple[Running, Captured],
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only someone holding the secret can send these; each still gets a 2xx or 4xx."""
    r, captured = one_server
    caplog.set_level(logging.WARNING)

    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(payload=_mutations())
    def check(payload: dict[str, Any]) -> None:
        if payload.get("type") == "event_callback":
            answer = post_signed(r.server.port, json.dumps(payload).encode(), JSON)
        else:
            answer = post_signed(r.server.port, interactive(payload))
        assert answer.status < 500, (answer.status, payload)

    check()
    r.idle()
    assert capfd.readouterr().err == ""
    assert captured.thread_errors == []
    assert errors(caplog) == [], [rec.getMessage() for rec in errors(caplog)]
