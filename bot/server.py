"""Running the App: Socket Mode (default) or an HTTP endpoint at /slack/events."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything absurd early


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops SYNs when ten requests arrive at once,
    # and the client's retry costs a full second.
    request_queue_size = 128
    bolt_app: App
    path: str


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        # A liveness probe for load balancers; Slack itself only POSTs.
        self._send(BoltResponse(status=200 if self.path == "/healthz" else 404, body=""))

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        if path != self.server.path:
            self._send(BoltResponse(status=404, body=""))
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(BoltResponse(status=413, body=""))
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        headers: dict[str, Any] = {k.lower(): v for k, v in self.headers.items()}
        request = BoltRequest(body=body, query=query, headers=headers)
        self._send(self.server.bolt_app.dispatch(request))

    def _send(self, resp: BoltResponse) -> None:
        data = (resp.body or "").encode("utf-8")
        self.send_response(resp.status)
        for name, values in resp.headers.items():
            if name.lower() == "content-length":
                continue
            for value in values:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class HttpServer:
    """A threading HTTP server in front of ``app.dispatch``; one thread per connection,
    so one slow client never holds up the acks of others."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 3000) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.bolt_app = app
        self._server.path = EVENTS_PATH
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
