"""A local Socket Mode endpoint for slack_sdk's Socket Mode clients.

Speaks the same protocol as wss-primary.slack.com: a ``hello`` on connect, envelopes
pushed by the test, acks (``{"envelope_id", "payload"?}``) sent back by the app, and a
``disconnect`` message when the server wants the client to reconnect.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from slack_sdk.socket_mode.builtin import SocketModeClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from .ids import APP_ID
from .signing import slash_command_payload

Json = dict[str, Any]

# Slack's own rule: only these interactions may carry a response in the ack.
_RESPONSE_PAYLOAD_INTERACTIONS = {"view_submission", "block_suggestion"}


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    message: Json
    sent_at: float
    acked_at: float

    @property
    def seconds(self) -> float:
        return self.acked_at - self.sent_at


class FakeSocketModeServer:
    """WebSocket server on 127.0.0.1 that FakeSlack's apps.connections.open points to."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str = APP_ID,
        ping_interval: float | None = 20,
    ) -> None:
        self._host = host
        self._port = port
        self.app_id = app_id
        self._ping_interval = ping_interval
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Condition()
        self._connections: list[ServerConnection] = []
        self._paths: list[str] = []
        self._tickets: set[str] = set()
        self._sent: dict[str, float] = {}
        self._acks: dict[str, Ack] = {}
        self._received: list[Json] = []

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> FakeSocketModeServer:
        if self._server is not None:
            return self
        self._server = serve(
            self._serve_connection,
            self._host,
            self._port,
            ping_interval=self._ping_interval,
            # The builtin client drops the TCP socket without a closing handshake, so
            # waiting the default 10 s for one would only slow down stop().
            close_timeout=1,
            compression=None,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fakeslack-socketmode", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSocketModeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSocketModeServer is not started")
        return int(self._server.socket.getsockname()[1])

    def issue_url(self) -> str:
        """A fresh URL as apps.connections.open returns it.

        slack_sdk's builtin client sends ``GET {path}?{query}``, so the URL must have a
        path; Slack's own look like ``wss://wss-primary.slack.com/link/?ticket=…``.
        """
        ticket = secrets.token_hex(12)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://{self._host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # ------------------------------------------------------------------ connections

    def _serve_connection(self, conn: ServerConnection) -> None:
        path = conn.request.path if conn.request is not None else ""
        with self._lock:
            self._connections.append(conn)
            self._paths.append(path)
            count = len(self._connections)
        try:
            conn.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": count,
                        "debug_info": {
                            "host": "applink-fake",
                            "build_number": 1,
                            "approximate_connection_time": 18060,
                        },
                        "connection_info": {"app_id": self.app_id},
                    }
                )
            )
            with self._lock:
                self._lock.notify_all()
            for raw in conn:
                self._on_message(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if conn in self._connections:
                    self._connections.remove(conn)
                self._lock.notify_all()

    def _on_message(self, raw: str | bytes) -> None:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            return
        if not isinstance(message, dict):
            return
        now = time.monotonic()
        with self._lock:
            self._received.append(message)
            envelope_id = message.get("envelope_id")
            if isinstance(envelope_id, str) and envelope_id not in self._acks:
                sent = self._sent.get(envelope_id, now)
                self._acks[envelope_id] = Ack(envelope_id, message, sent, now)
            self._lock.notify_all()

    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    def connection_paths(self) -> list[str]:
        """Request paths of every connection so far, including closed ones."""
        with self._lock:
            return list(self._paths)

    def wait_connected(self, timeout: float = 5.0, count: int = 1) -> None:
        """Block until ``count`` clients are connected and have been sent ``hello``."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._connections) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"no Socket Mode client connected within {timeout}s "
                        f"(connections so far: {self._paths})"
                    )
                self._lock.wait(min(remaining, 0.05))

    def _current(self) -> ServerConnection:
        with self._lock:
            if not self._connections:
                raise RuntimeError("no Socket Mode client is connected; call wait_connected()")
            # Slack delivers to any live connection; the newest is the one a reconnecting
            # client is still reading from.
            return self._connections[-1]

    # ------------------------------------------------------------------ envelopes

    def send_envelope(
        self,
        type: str,
        payload: Json,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> str:
        """Push an envelope to the connected app; returns its envelope_id.

        ``type`` is ``slash_commands``, ``interactive`` or ``events_api``.
        """
        if accepts_response_payload is None:
            accepts_response_payload = type == "slash_commands" or (
                type == "interactive" and payload.get("type") in _RESPONSE_PAYLOAD_INTERACTIONS
            )
        envelope_id = f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-{secrets.token_hex(6)}"
        envelope: Json = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        conn = self._current()
        with self._lock:
            self._sent[envelope_id] = time.monotonic()
        conn.send(json.dumps(envelope))
        return envelope_id

    def send_slash_command(self, **kwargs: Any) -> str:
        """Envelope for ``slash_command_payload(**kwargs)``."""
        return self.send_envelope("slash_commands", slash_command_payload(**kwargs))

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Json:
        """The app's ack message for ``envelope_id``, with ``payload`` if it sent one."""
        return self.wait_for_ack_timing(envelope_id, timeout).message

    def wait_for_ack_timing(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        """Like wait_for_ack, with send and ack times to check Slack's 3-second limit."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while envelope_id not in self._acks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"envelope {envelope_id} not acknowledged within {timeout}s")
                self._lock.wait(min(remaining, 0.05))
            return self._acks[envelope_id]

    def acks(self) -> list[Ack]:
        with self._lock:
            return list(self._acks.values())

    def received(self) -> list[Json]:
        """Every JSON message the clients sent, acks included."""
        with self._lock:
            return list(self._received)

    def send_disconnect(
        self, reason: str = "refresh_requested", close_after: float | None = None
    ) -> None:
        """Ask the client to reconnect, as Slack does every few hours.

        Slack leaves the old connection open for a while; the builtin client only lets go
        of it when its 3-second receive timeout fires. ``close_after`` closes it sooner.
        """
        conn = self._current()
        conn.send(
            json.dumps(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
            )
        )
        if close_after is not None:
            timer = threading.Timer(close_after, conn.close, kwargs={"code": 1001})
            timer.daemon = True
            timer.start()

    def drop_connections(self, code: int = 1011) -> None:
        """Close every connection (by default with 1011, as when Slack's edge restarts).

        The builtin client reconnects on its own unless its auto_reconnect_enabled is off.
        """
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.close(code=code, reason="closed by the fake server")

    def close_client(self, client: SocketModeClient, timeout: float = 5.0) -> None:
        """Close a builtin SocketModeClient (``SocketModeHandler.client``) quickly.

        ``client.close()`` alone waits for the client's blocking receive (up to 3 s) to
        time out; closing from the server side first wakes it up.
        """
        client.auto_reconnect_enabled = False
        self.drop_connections(code=1000)
        deadline = time.monotonic() + timeout
        while client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.01)
        # close() joins the message processor, which sits in a 1-second queue.get(); the
        # flag ends its loop and the (ignored) None wakes it up.
        client.closed = True
        client.message_queue.put(None)
        client.close()
