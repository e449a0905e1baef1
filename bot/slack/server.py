"""Running the App: Socket Mode (default) or an HTTP endpoint at /slack/events (and, in
OAuth mode, the install link and Slack's redirect back).

The HTTP edge trusts nothing it has not verified: it checks the request's framing and
its Slack signature on the raw bytes before anything parses the body, so a forged or
garbled request gets a 4xx and never reaches bolt, its listeners or its error handler.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.signature import Clock, SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything absurd early
MAX_QUERY = 4096  # an OAuth redirect carries a code and a state, nothing long
# Slack's own rule: a signature older than five minutes may be a replay.
MAX_SIGNATURE_AGE_S = 300
# A client that stops sending mid-request must not hold a thread forever.
READ_TIMEOUT_S = 30.0

# int() also takes " 12", "+12", "1_2" and non-ASCII digits, and slack_sdk's verifier
# raises on anything else; only plain digits can be a Slack timestamp.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# hmac.compare_digest raises on non-ASCII strings, so the shape is checked first.
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_LENGTH = re.compile(r"[0-9]{1,10}")


class RequestVerifier:
    """Slack's request signature check that answers False, never raises, for any input."""

    def __init__(self, signing_secret: str, clock: Clock | None = None) -> None:
        self._clock = clock or Clock()
        self._verifier = SignatureVerifier(signing_secret, self._clock)

    def verify(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        if not timestamp or not signature:
            return False
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return False
        if abs(self._clock.now() - int(timestamp)) > MAX_SIGNATURE_AGE_S:
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # Slack signs UTF-8 text; other bytes cannot be one of its requests.
            return False
        return bool(self._verifier.is_valid(text, timestamp, signature))

    def verify_request(self, request: BoltRequest) -> bool:
        """The same check on a request bolt has already built (its error handler)."""

        def first(name: str) -> str | None:
            values = request.headers.get(name) or []
            return str(values[0]) if values else None

        return self.verify(
            request.raw_body.encode("utf-8"),
            first("x-slack-request-timestamp"),
            first("x-slack-signature"),
        )


class RejectLog:
    """One short line per rejected request, at most ``per_minute`` lines a minute.

    A rejected request is the attacker's text: written raw, a newline in it forges log
    records, and a flood of them fills the disk. So the body is escaped and cut, and
    what exceeds the budget is only counted, in the next line that is written.
    """

    def __init__(
        self,
        per_minute: int = 10,
        preview: int = 120,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.preview = preview
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(per_minute)
        self._last = clock()
        self._suppressed = 0

    def __call__(self, status: int, reason: str, peer: str, body: bytes = b"") -> None:
        with self._lock:
            now = self._clock()
            self._tokens = min(
                float(self.per_minute), self._tokens + (now - self._last) * self.per_minute / 60
            )
            self._last = now
            if self._tokens < 1:
                self._suppressed += 1
                return
            self._tokens -= 1
            suppressed, self._suppressed = self._suppressed, 0
        # ascii() escapes newlines, control characters and non-ASCII, so the record
        # stays one line whatever the body holds.
        shown = ascii(body[: self.preview])
        more = f" (+{len(body) - self.preview} bytes)" if len(body) > self.preview else ""
        also = f"; {suppressed} more rejected requests not logged" if suppressed else ""
        log.warning(
            "rejected request from %s: %d %s, body %s%s%s",
            peer,
            status,
            ascii(reason),
            shown,
            more,
            also,
        )


def dispatchable(body: Any) -> bool:
    """Whether a parsed payload has the shape bolt's dispatch relies on.

    bolt indexes into these parts without checking them (``body["actions"][0]``,
    ``body["view"]["type"]``, ``body["event"]["type"]``) and answers 500 otherwise.
    """
    if not isinstance(body, dict):
        return False
    kind = body.get("type")
    if kind == "event_callback" or "event" in body:
        # Any "event" is read as an object, whatever the payload's type.
        event = body.get("event")
        if not isinstance(event, dict) or not all(
            isinstance(event.get(part), dict | None) for part in ("message", "previous_message")
        ):
            return False
    if kind in ("block_actions", "interactive_message") and "actions" in body:
        actions = body["actions"]
        return isinstance(actions, list) and bool(actions) and isinstance(actions[0], dict)
    if kind in ("view_submission", "view_closed") and "view" in body:
        view = body["view"]
        return isinstance(view, dict) and ("callback_id" not in view or "type" in view)
    return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops SYNs when ten requests arrive at once,
    # and the client's retry costs a full second.
    request_queue_size = 128
    bolt_app: App
    path: str
    verifier: RequestVerifier
    reject_log: RejectLog

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints these to stderr; clients that hang up are routine.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # The default, HTTP/0.9, answers an unparsable request line with a bare HTML body
    # and no status line; every answer here is a real HTTP response.
    default_request_version = "HTTP/1.1"
    timeout = READ_TIMEOUT_S

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines and send_error reasons come from the client: escaped, one line.
        log.debug("%s %s", self.address_string(), ascii(format % args))

    def do_GET(self) -> None:
        try:
            self._get()
        except ConnectionError:
            self.close_connection = True
        except Exception:
            log.exception("HTTP request failed")
            self._fail(500, "internal error")

    def _get(self) -> None:
        path, _, query = self.path.partition("?")
        flow = self.server.bolt_app.oauth_flow
        if flow is None or path not in (flow.install_path, flow.redirect_uri_path):
            # A liveness probe for load balancers; Slack itself only POSTs.
            self._send(BoltResponse(status=200 if path == "/healthz" else 404, body=""))
            return
        if len(query) > MAX_QUERY:
            self._reject(414, "query too long")
            return
        # The install link and Slack's redirect back: a browser's GET, unsigned; the
        # OAuth state (cookie and store) is what ties the two together.
        headers: dict[str, Any] = {k.lower(): v for k, v in self.headers.items()}
        request = BoltRequest(body="", query=query, headers=headers)
        if path == flow.install_path:
            self._send(flow.handle_installation(request))
        else:
            self._send(flow.handle_callback(request))

    def do_POST(self) -> None:
        try:
            self._post()
        except TimeoutError:
            self._fail(408, "request timed out")
        except ConnectionError:
            self.close_connection = True
        except Exception:
            log.exception("HTTP request failed")
            self._fail(500, "internal error")

    def _post(self) -> None:
        path, _, query = self.path.partition("?")
        if path != self.server.path:
            self._reject(404, "unknown path")
            return
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") is not None:
            self._reject(411, "chunked body")
            return
        if len(lengths) != 1:
            self._reject(411 if not lengths else 400, "Content-Length missing or repeated")
            return
        if not _LENGTH.fullmatch(lengths[0]):
            self._reject(400, "bad Content-Length")
            return
        length = int(lengths[0])
        if length > MAX_BODY:
            self._reject(413, "body too large")
            return
        raw = self.rfile.read(length)
        if len(raw) < length:
            self._reject(400, "body shorter than Content-Length", raw)
            return
        signed = self.server.verifier.verify(
            raw,
            self.headers.get("X-Slack-Request-Timestamp"),
            self.headers.get("X-Slack-Signature"),
        )
        if not signed:
            self._reject(401, "invalid signature", raw, keep_alive=True)
            return
        # Verified bytes are UTF-8 (the verifier checks), so decoding cannot fail.
        headers: dict[str, Any] = {k.lower(): v for k, v in self.headers.items()}
        try:
            request = BoltRequest(body=raw.decode("utf-8"), query=query, headers=headers)
        except (ValueError, RecursionError, TypeError, AttributeError, KeyError, IndexError):
            # bolt parses the body in the constructor and raises on broken JSON (also
            # nested too deep, or integers too long) and on odd shapes; only someone
            # holding the secret can get here, but it is still no reason for a 500.
            request = None
        if request is None or not dispatchable(request.body):
            self._reject(400, "signed body is not a Slack payload", raw, keep_alive=True)
            return
        self._send(self.server.bolt_app.dispatch(request))

    def _reject(
        self, status: int, reason: str, body: bytes = b"", keep_alive: bool = False
    ) -> None:
        self.server.reject_log(status, reason, self.address_string(), body)
        self._fail(status, reason, keep_alive=keep_alive)

    def _fail(self, status: int, reason: str, keep_alive: bool = False) -> None:
        # Unless the body was read, its bytes would be taken for the next request.
        if not keep_alive:
            self.close_connection = True
        try:
            self._send(BoltResponse(status=status, body=json.dumps({"error": reason})))
        except OSError:
            self.close_connection = True

    def _send(self, resp: BoltResponse) -> None:
        data = (resp.body or "").encode("utf-8")
        self.send_response(resp.status)
        for name, values in resp.headers.items():
            if name.lower() in ("content-length", "connection"):
                continue
            for value in values:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)


class HttpServer:
    """A threading HTTP server in front of ``app.dispatch``; one thread per connection,
    so one slow client never holds up the acks of others.

    ``signing_secret`` defaults to the App's own, so the server's check and bolt's
    (kept as a second line) cannot disagree.
    """

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 3000,
        *,
        signing_secret: str | None = None,
        reject_log: RejectLog | None = None,
    ) -> None:
        secret = signing_secret or str(getattr(app, "_signing_secret", "") or "")
        if not secret.strip():
            raise ValueError("the HTTP endpoint needs a signing secret")
        self._server = _Server((host, port), _Handler)
        self._server.bolt_app = app
        self._server.path = EVENTS_PATH
        self._server.verifier = RequestVerifier(secret)
        self._server.reject_log = reject_log or RejectLog()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = str(self._server.server_address[0])
        return f"http://{host}:{self.port}{EVENTS_PATH}"

    def start(self) -> HttpServer:
        """Serve in a background thread (tests, benchmarks)."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def socket_mode_handler(app: App, app_token: str) -> SocketModeHandler:
    """slack_sdk's builtin Socket Mode client; it asks apps.connections.open on the
    App's client, so SLACK_API_URL applies to it too."""
    return SocketModeHandler(app, app_token=app_token, web_client=app.client)
