"""A local fake of the Slack Web API for end-to-end tests.

The real ``slack_sdk.WebClient`` talks to it over HTTP on 127.0.0.1, so retries, JSON
versus form encoding, pagination and error handling are those of the real client.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .blockkit import MAX_MESSAGE_BLOCKS, MAX_MESSAGE_TEXT, block_problems, view_problems
from .ids import APP_ID, BOT_ID, BOT_USER_ID, BOT_USER_NAME, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from .oauth import FakeOAuth, OAuthError

if TYPE_CHECKING:
    from .socketmode import FakeSocketModeServer

# Parameters that Slack accepts as JSON-encoded strings inside a form body.
_JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata")
_TRIGGER_TTL_SECONDS = 3.0
_RESPONSE_URL_MAX_USES = 5
_MENTION = re.compile(r"<(!channel|!here|!everyone|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)(\|[^>]*)?>")

Json = dict[str, Any]
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """One request the fake received, with the answer it gave."""

    method: str
    params: Json
    headers: dict[str, str]
    time: float
    status: int = 200
    response: Json | None = None
    raw_body: bytes = b""

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization") or self.headers.get("authorization") or ""
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        token = self.params.get("token")
        return token if isinstance(token, str) else None

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response and self.response.get("ok"))


@dataclass
class _Fault:
    kind: str  # "status" | "error" | "connection"
    times: int
    status: int = 429
    retry_after: int | None = 1
    error: str = "ratelimited"
    processed: bool = False


@dataclass
class _RateLimit:
    calls: int
    per_seconds: float
    retry_after: int
    stamps: list[float] = field(default_factory=list)


class SlackError(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def mentions(message: Mapping[str, Any]) -> list[str]:
    """Mentions Slack would turn into pings in a posted message (``!channel``, ``@U…``).

    Only the top-level text and mrkdwn text objects are parsed by Slack; plain_text is
    rendered literally, so it cannot ping.
    """
    found: list[str] = []

    def scan(text: str) -> None:
        found.extend(m.group(1) for m in _MENTION.finditer(text))

    if isinstance(message.get("text"), str):
        scan(message["text"])

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                scan(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return found


def _stable_id(prefix: str, parts: Iterable[str]) -> str:
    digest = hashlib.sha1(",".join(sorted(parts)).encode()).hexdigest().upper()
    return prefix + digest[:10]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _offset_from_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        kind, _, value = base64.b64decode(str(cursor)).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError) as e:
        raise SlackError("invalid_cursor") from e


def _paginate(items: list[Any], params: Json, default_limit: int) -> tuple[list[Any], str]:
    start = _offset_from_cursor(params.get("cursor"))
    try:
        limit = int(params.get("limit") or default_limit)
    except ValueError as e:
        raise SlackError("invalid_limit") from e
    limit = max(1, min(limit, 1000))
    page = items[start : start + limit]
    end = start + limit
    return page, (_b64(f"offset:{end}") if end < len(items) else "")


def _copy(data: Json) -> Json:
    # A deep copy through JSON also proves the data would survive the wire.
    copied: Json = json.loads(json.dumps(data))
    return copied


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        # The default handler writes every request to stderr, which drowns pytest output.
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        headers = {k: v for k, v in self.headers.items()}
        fake = self.server.fake
        try:
            reply = fake._handle(parts.path, parts.query, headers, body)
        except Exception as e:
            # A bug in the fake must not look like a network error, which slack_sdk retries.
            _log.exception("FakeSlack failed on %s", parts.path)
            error = {"ok": False, "error": f"fake_internal_error: {type(e).__name__}: {e}"}
            reply = fake._json_reply(500, error)
        if reply is None:
            # Closing without a response is what slack_sdk sees as RemoteDisconnected.
            self.close_connection = True
            return
        status, extra_headers, payload = reply
        self.send_response(status)
        for key, value in extra_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


_Reply = tuple[int, dict[str, str], bytes]


class FakeSlack:
    """Fake Slack Web API on 127.0.0.1; point ``WebClient(base_url=fake.base_url)`` at it."""

    def __init__(
        self,
        socket_mode: FakeSocketModeServer | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        strict_channels: bool = False,
        strict_users: bool = False,
    ) -> None:
        """``strict_*`` make unknown channels or users answer channel_not_found or
        user_not_found everywhere; by default they are accepted so that tests need not
        register every id they use."""
        self.socket_mode = socket_mode
        self.strict_channels = strict_channels
        self.strict_users = strict_users
        self.team_id = TEAM_ID
        self.bot_user_id = BOT_USER_ID
        self.bot_id = BOT_ID
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._owns_socket_mode = False
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._persistent: list[tuple[str, dict[str, Any], str]] = []
        self._rate_limits: dict[str, _RateLimit] = {}
        self._revoked: set[str] = set()
        self._users: dict[str, Json] = {}
        self._channels: dict[str, Json] = {}
        self._messages: list[Json] = []
        self._ephemerals: list[Json] = []
        self._views: dict[str, Json] = {}
        self._used_triggers: set[str] = set()
        self._pending_uploads: dict[str, Json] = {}
        self._uploaded: list[Json] = []
        self._responses: list[Json] = []
        self._response_uses: dict[str, int] = {}
        self._last_ts = 0.0
        self._ids = itertools.count(1)
        # Installs through oauth.v2.access; each token it gives out belongs to one team.
        self.oauth = FakeOAuth()
        self._handlers: dict[str, Callable[[Json, str | None], Json]] = {
            "api.test": lambda p, t: {"args": p},
            "auth.test": self._auth_test,
            "auth.revoke": self._auth_revoke,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "team.info": self._team_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        self._server = _Server((self._host, self._port), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakeslack-webapi",
            daemon=True,
        )
        self._thread.start()
        if self.socket_mode is not None and not self.socket_mode.running:
            self.socket_mode.start()
            self._owns_socket_mode = True
        return self

    def stop(self) -> None:
        if self._owns_socket_mode and self.socket_mode is not None:
            self.socket_mode.stop()
            self._owns_socket_mode = False
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
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
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}/"

    @property
    def base_url(self) -> str:
        # slack_sdk joins method names with urljoin, so the trailing slash is required.
        return f"{self.url}api/"

    # ------------------------------------------------------------------ recorded calls

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        found = self.calls(method)
        if not found:
            raise AssertionError(f"no call to {method}; got {[c.method for c in self.calls()]}")
        return found[-1]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._messages.clear()
            self._ephemerals.clear()
            self._responses.clear()
            self._uploaded.clear()

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        ok_only: bool = False,
    ) -> list[Call]:
        """Calls to ``method`` once there are at least ``count`` of them.

        ``ok_only`` ignores calls the fake answered with an error or a 429, so a test can
        wait for the attempt that a retry handler finally got through.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self._calls if c.method == method and (c.ok or not ok_only)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    raise TimeoutError(
                        f"expected {count} call(s) to {method} within {timeout}s, "
                        f"got {len(found)}; all calls: {seen}"
                    )
                self._lock.wait(min(remaining, 0.05))

    def messages(self, channel: str | None = None) -> list[Json]:
        """Messages currently in channel history (posted, updated in place, not deleted)."""
        with self._lock:
            return [
                dict(m)
                for m in self._messages
                if not m.get("_deleted") and (channel is None or m["channel"] == channel)
            ]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Json]:
        with self._lock:
            return [
                dict(m)
                for m in self._ephemerals
                if (channel is None or m["channel"] == channel)
                and (user is None or m["user_shown_to"] == user)
            ]

    def responses(self, response_id: str | None = None) -> list[Json]:
        """POSTs to response URLs: ``{"id", "body", "time"}`` each."""
        with self._lock:
            return [dict(r) for r in self._responses if response_id in (None, r["id"])]

    def wait_for_response(self, count: int = 1, timeout: float = 5.0) -> list[Json]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._responses) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {count} response_url POST(s) within {timeout}s")
                self._lock.wait(min(remaining, 0.05))
            return [dict(r) for r in self._responses]

    def uploaded_files(self) -> list[Json]:
        with self._lock:
            return [dict(f) for f in self._uploaded]

    def views(self) -> list[Json]:
        with self._lock:
            return [_copy(v) for v in self._views.values()]

    def new_response_url(self) -> str:
        """A response_url served by this fake, for slash command and action payloads."""
        return f"{self.url}response/{secrets.token_hex(8)}"

    # ------------------------------------------------------------------ workspace set-up

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        tz: str = "Europe/Berlin",
        locale: str = "de-DE",
        is_admin: bool = False,
        deleted: bool = False,
        is_bot: bool = False,
        real_name: str | None = None,
        email: str | None = None,
        title: str | None = None,
        fields: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Json:
        """A member; ``title`` and custom profile ``fields`` ({id: {"label", "value"}})
        appear in their profile as users.info returns it."""
        name = name or user_id.lower()
        try:
            now = datetime.now(ZoneInfo(tz))
        except ZoneInfoNotFoundError as e:
            raise ValueError(f"unknown time zone {tz!r}") from e
        offset = now.utcoffset()
        user: Json = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name or name,
            "tz": tz,
            "tz_label": now.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "locale": locale,
            "profile": {
                "real_name": real_name or name,
                "display_name": name,
                "email": email or f"{name}@example.org",
                "team": self.team_id,
            },
        }
        if title is not None:
            user["profile"]["title"] = title
        if fields is not None:
            user["profile"]["fields"] = {k: dict(v) for k, v in fields.items()}
        with self._lock:
            self._users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        members: Iterable[str] = (),
        is_private: bool = False,
        is_archived: bool = False,
        bot_is_member: bool = True,
    ) -> Json:
        channel: Json = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_general": False,
            "is_member": bot_is_member,
            "created": int(time.time()),
            "creator": self.bot_user_id,
            "members": list(members),
        }
        with self._lock:
            self._channels[channel_id] = channel
        return channel

    def set_channel_members(self, channel: str, users: Iterable[str]) -> None:
        with self._lock:
            existing = self._channels.get(channel)
        if existing is None:
            self.add_channel(channel, members=users)
        else:
            with self._lock:
                existing["members"] = list(users)

    def seed_message(
        self,
        channel: str,
        text: str = "",
        blocks: list[Json] | None = None,
        user: str | None = None,
        ts: str | None = None,
    ) -> str:
        """Put a message into history, e.g. one that an action payload refers to."""
        with self._lock:
            ts = ts or self._next_ts()
            self._messages.append(self._message(channel, ts, {"text": text, "blocks": blocks}))
            if user is not None:
                self._messages[-1]["user"] = user
        return ts

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self._revoked.add(token)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls with an HTTP error (429 with Retry-After)."""
        error = "ratelimited" if status == 429 else "fatal_error"
        self._add_fault(method, _Fault("status", times, status, retry_after, error))

    def error_next(self, method: str, error: str = "user_not_found", times: int = 1) -> None:
        self._add_fault(method, _Fault("error", times, error=error))

    def error_for(self, method: str, match: Mapping[str, Any], error: str) -> None:
        """Answer ``error`` to every call whose params match (comma lists match a member)."""
        with self._lock:
            self._persistent.append((method, dict(match), error))

    def fail_connection_next(self, method: str, times: int = 1, processed: bool = False) -> None:
        """Close the socket without an answer.

        With ``processed=True`` the call takes effect first, as when Slack posted the
        message but the response got lost; a retrying client then posts it twice.
        """
        self._add_fault(method, _Fault("connection", times, processed=processed))

    def set_rate_limit(
        self,
        method: str,
        calls: int,
        per_seconds: float = 1.0,
        retry_after: int = 1,
    ) -> None:
        """Answer 429 once more than ``calls`` calls arrive within ``per_seconds``."""
        with self._lock:
            self._rate_limits[method] = _RateLimit(calls, per_seconds, retry_after)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._persistent.clear()
            self._rate_limits.clear()

    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    # ------------------------------------------------------------------ HTTP plumbing

    def _handle(self, path: str, query: str, headers: dict[str, str], body: bytes) -> _Reply | None:
        if path.startswith("/api/"):
            return self._handle_api(path[len("/api/") :], query, headers, body)
        if path.startswith("/upload/v1/"):
            return self._handle_upload(path.rsplit("/", 1)[-1], body)
        if path.startswith("/response/"):
            return self._handle_response_url(path.rsplit("/", 1)[-1], body)
        return 404, {"Content-Type": "text/plain"}, b"not found"

    @staticmethod
    def _parse_params(query: str, headers: dict[str, str], body: bytes) -> Json:
        params: Json = {}
        for key, values in parse_qs(query, keep_blank_values=True).items():
            params[key] = values[0] if len(values) == 1 else values
        content_type = next(
            (v for k, v in headers.items() if k.lower() == "content-type"), ""
        ).lower()
        if body:
            if content_type.startswith("application/json"):
                loaded = json.loads(body.decode("utf-8"))
                if isinstance(loaded, dict):
                    params.update(loaded)
            elif content_type.startswith("multipart/form-data"):
                message = BytesParser(policy=HTTP).parsebytes(
                    b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
                )
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    payload = part.get_payload(decode=True)
                    if not isinstance(name, str) or not isinstance(payload, bytes):
                        continue
                    filename = part.get_filename()
                    params[name] = payload if filename else payload.decode("utf-8")
            else:
                decoded = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                for key, values in decoded.items():
                    params[key] = values[0] if len(values) == 1 else values
        for key in _JSON_PARAMS:
            value = params.get(key)
            if isinstance(value, str) and value[:1] in {"[", "{"}:
                # A broken one stays a string, and the method answers invalid_arguments.
                with contextlib.suppress(json.JSONDecodeError):
                    params[key] = json.loads(value)
        return params

    @staticmethod
    def _json_reply(status: int, payload: Json, headers: dict[str, str] | None = None) -> _Reply:
        all_headers = {"Content-Type": "application/json; charset=utf-8"}
        all_headers.update(headers or {})
        return status, all_headers, json.dumps(payload).encode()

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()

    def _handle_api(
        self, method: str, query: str, headers: dict[str, str], body: bytes
    ) -> _Reply | None:
        now = time.time()
        try:
            params = self._parse_params(query, headers, body)
        except (ValueError, UnicodeDecodeError):
            params = {}
            bad_body = True
        else:
            bad_body = False

        def done(
            status: int, payload: Json | None, extra: dict[str, str] | None = None
        ) -> _Reply | None:
            self._record(Call(method, params, headers, now, status, payload, body))
            return None if payload is None else self._json_reply(status, payload, extra)

        with self._lock:
            fault = self._take_fault(method)
        if fault is not None and fault.kind == "connection":
            if fault.processed:
                self._invoke(method, params, headers)
            return done(0, None)
        if fault is not None and fault.kind == "status":
            payload = {"ok": False, "error": fault.error}
            extra = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            return done(fault.status, payload, extra)
        if fault is not None:
            return done(200, {"ok": False, "error": fault.error})
        limited = self._rate_limited(method, now)
        if limited is not None:
            return done(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limited)})
        if bad_body:
            return done(200, {"ok": False, "error": "invalid_form_data"})
        payload, status = self._invoke(method, params, headers)
        return done(status, payload)

    def _rate_limited(self, method: str, now: float) -> int | None:
        with self._lock:
            limit = self._rate_limits.get(method)
            if limit is None:
                return None
            limit.stamps = [t for t in limit.stamps if now - t < limit.per_seconds]
            if len(limit.stamps) >= limit.calls:
                return limit.retry_after
            limit.stamps.append(now)
            return None

    def _invoke(self, method: str, params: Json, headers: dict[str, str]) -> tuple[Json, int]:
        if method == "oauth.v2.access":
            # Authenticated by the app's client id and secret, not by a token.
            try:
                return {"ok": True, **self.oauth.access(params, headers)}, 200
            except OAuthError as e:
                return {"ok": False, "error": e.error}, 200
        handler = self._handlers.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}, 200
        try:
            token = self._check_token(method, params, headers)
            with self._lock:
                persistent = list(self._persistent)
            for wanted_method, match, error in persistent:
                if wanted_method == method and self._matches(params, match):
                    raise SlackError(error)
            result = handler(params, token)
        except SlackError as e:
            return {"ok": False, "error": e.error, **e.extra}, 200
        return {"ok": True, **result}, 200

    def _check_token(self, method: str, params: Json, headers: dict[str, str]) -> str | None:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token: str | None = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if token is None and isinstance(params.get("token"), str):
            token = params["token"]
        if method == "api.test":
            return token
        if not token:
            raise SlackError("not_authed")
        with self._lock:
            revoked = token in self._revoked
        if revoked:
            raise SlackError("token_revoked")
        if method.startswith("apps.connections."):
            if not token.startswith("xapp-"):
                raise SlackError("not_allowed_token_type")
        elif token.startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        elif not token.startswith(("xoxb-", "xoxp-")):
            raise SlackError("invalid_auth")
        return token

    @staticmethod
    def _matches(params: Json, match: Mapping[str, Any]) -> bool:
        for key, wanted in match.items():
            actual = params.get(key)
            if actual == wanted or str(actual) == str(wanted):
                continue
            if isinstance(actual, str) and str(wanted) in actual.split(","):
                continue
            return False
        return True

    def _handle_upload(self, file_id: str, body: bytes) -> _Reply:
        with self._lock:
            pending = self._pending_uploads.get(file_id)
            if pending is None:
                return 404, {"Content-Type": "text/plain"}, b"file not found"
            pending["content"] = body
        return 200, {"Content-Type": "text/plain"}, f"OK - {len(body)}".encode()

    def _handle_response_url(self, response_id: str, body: bytes) -> _Reply:
        try:
            payload = json.loads(body.decode("utf-8") or "{}")
        except (ValueError, UnicodeDecodeError):
            return 400, {"Content-Type": "text/plain"}, b"invalid_payload"
        with self._lock:
            uses = self._response_uses.get(response_id, 0) + 1
            self._response_uses[response_id] = uses
            record = {"id": response_id, "body": payload, "time": time.time(), "ok": False}
            self._responses.append(record)
            self._lock.notify_all()
        if uses > _RESPONSE_URL_MAX_USES:
            return 404, {"Content-Type": "text/plain"}, b"used_url"
        if (
            isinstance(payload, dict)
            and "blocks" in payload
            and block_problems(payload["blocks"], MAX_MESSAGE_BLOCKS)
        ):
            return 400, {"Content-Type": "text/plain"}, b"invalid_blocks"
        with self._lock:
            record["ok"] = True
        return 200, {"Content-Type": "text/plain"}, b"ok"

    # ------------------------------------------------------------------ helpers for methods

    def _next_ts(self) -> str:
        # Slack ts values are unique per channel and increase; tests sort by them.
        self._last_ts = max(self._last_ts + 0.000001, time.time())
        return f"{self._last_ts:.6f}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._ids):08d}"

    def _require(self, params: Json, *names: str) -> None:
        for name in names:
            if params.get(name) in (None, ""):
                raise SlackError(
                    "invalid_arguments",
                    response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
                )

    def _user(self, user_id: str) -> Json | None:
        with self._lock:
            return self._users.get(user_id)

    def _check_user(self, user_id: str, for_dm: bool = False) -> None:
        user = self._user(user_id)
        if user is None:
            if self.strict_users:
                raise SlackError("user_not_found")
            return
        if user["deleted"]:
            raise SlackError("user_disabled")
        if for_dm and user["is_bot"] and user_id != self.bot_user_id:
            raise SlackError("cannot_dm_bot")

    def _open_conversation(self, users: list[str]) -> tuple[Json, bool]:
        humans = sorted(set(users) - {self.bot_user_id})
        if not humans:
            raise SlackError("invalid_arguments")
        for user_id in humans:
            self._check_user(user_id, for_dm=True)
        if len(humans) == 1:
            channel_id = _stable_id("D", humans)
            template: Json = {"is_im": True, "is_mpim": False, "user": humans[0]}
            members = [humans[0], self.bot_user_id]
        else:
            channel_id = _stable_id("G", humans)
            template = {"is_im": False, "is_mpim": True}
            members = [*humans, self.bot_user_id]
        with self._lock:
            existing = self._channels.get(channel_id)
            if existing is not None:
                return existing, True
            channel: Json = {
                "id": channel_id,
                "name": "mpdm-" + "--".join(humans) if len(humans) > 1 else channel_id,
                "is_channel": False,
                "is_group": False,
                "is_private": True,
                "is_archived": False,
                "is_member": True,
                "created": int(time.time()),
                "creator": self.bot_user_id,
                "members": members,
                **template,
            }
            self._channels[channel_id] = channel
            return channel, False

    def _resolve_channel(self, channel: str) -> Json:
        """Channel record for a post, following Slack's conveniences (user id → DM)."""
        if channel[:1] in {"U", "W"}:
            return self._open_conversation([channel])[0]
        with self._lock:
            if channel.startswith("#"):
                for record in self._channels.values():
                    if record["name"] == channel[1:]:
                        return record
                raise SlackError("channel_not_found")
            found = self._channels.get(channel)
        if found is None:
            if self.strict_channels:
                raise SlackError("channel_not_found")
            return self.add_channel(channel)
        return found

    def _message(self, channel: str, ts: str, params: Json) -> Json:
        message: Json = {
            "type": "message",
            "channel": channel,
            "ts": ts,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": APP_ID,
            "team": self.team_id,
            "text": params.get("text") or "",
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    @staticmethod
    def _public_message(message: Json) -> Json:
        return {k: v for k, v in message.items() if not k.startswith("_") and k != "channel"}

    def _check_message_content(self, params: Json, require_content: bool = True) -> None:
        blocks = params.get("blocks")
        text = params.get("text")
        if require_content and not text and not blocks and not params.get("attachments"):
            raise SlackError("no_text")
        if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        if blocks is not None:
            problems = block_problems(blocks, MAX_MESSAGE_BLOCKS)
            if problems:
                raise SlackError(
                    "invalid_blocks", errors=problems, response_metadata={"messages": problems}
                )

    def _consume_trigger(self, params: Json) -> None:
        self._require(params, "trigger_id")
        trigger = str(params["trigger_id"])
        parts = trigger.split(".")
        if len(parts) == 3 and parts[1].isdigit():
            issued = int(parts[1]) / 1000
            if time.time() - issued > _TRIGGER_TTL_SECONDS:
                raise SlackError("expired_trigger_id")
        with self._lock:
            if trigger in self._used_triggers:
                raise SlackError("exchanged_trigger_id")
            self._used_triggers.add(trigger)

    def _check_view(self, view: Any) -> Json:
        if not isinstance(view, dict):
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view must be a JSON object"]},
            )
        problems = view_problems(view)
        if problems:
            raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        return view

    def _store_view(self, view: Json, view_id: str | None, root_id: str | None = None) -> Json:
        view_id = view_id or self._new_id("V")
        stored: Json = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": root_id or view_id,
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        with self._lock:
            self._views[view_id] = stored
        return _copy(stored)

    # ------------------------------------------------------------------ methods

    def _auth_test(self, params: Json, token: str | None) -> Json:
        install = self.oauth.install_of(token)
        if install is not None:
            return self.oauth.auth_test(install)
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_USER_NAME,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _auth_revoke(self, params: Json, token: str | None) -> Json:
        if token:
            self.revoke_token(token)
        return {"revoked": True}

    def calls_by_token(self, method: str | None = None) -> dict[str, list[Call]]:
        """Every call (of ``method``), grouped by the token that made it."""
        out: dict[str, list[Call]] = {}
        for call in self.calls(method):
            out.setdefault(call.token or "", []).append(call)
        return out

    def _apps_connections_open(self, params: Json, token: str | None) -> Json:
        if self.socket_mode is None or not self.socket_mode.running:
            raise SlackError("socket_mode_not_enabled")
        return {"url": self.socket_mode.issue_url()}

    def _chat_post_message(self, params: Json, token: str | None) -> Json:
        self._require(params, "channel")
        self._check_message_content(params)
        channel = self._resolve_channel(str(params["channel"]))
        if channel["is_archived"]:
            raise SlackError("is_archived")
        if channel["is_private"] and not channel["is_member"]:
            raise SlackError("not_in_channel")
        with self._lock:
            ts = self._next_ts()
            message = self._message(channel["id"], ts, params)
            self._messages.append(message)
        return {"channel": channel["id"], "ts": ts, "message": self._public_message(message)}

    def _chat_post_ephemeral(self, params: Json, token: str | None) -> Json:
        self._require(params, "channel", "user")
        self._check_message_content(params)
        channel = self._resolve_channel(str(params["channel"]))
        user_id = str(params["user"])
        self._check_user(user_id)
        if channel["members"] and user_id not in channel["members"]:
            raise SlackError("user_not_in_channel")
        with self._lock:
            ts = self._next_ts()
            message = self._message(channel["id"], ts, params)
            message["user_shown_to"] = user_id
            self._ephemerals.append(message)
        return {"message_ts": ts}

    def _find_message(self, channel: str, ts: str) -> Json:
        with self._lock:
            for message in self._messages:
                if message["channel"] == channel and message["ts"] == ts:
                    if message.get("_deleted"):
                        break
                    return message
        raise SlackError("message_not_found")

    def _chat_update(self, params: Json, token: str | None) -> Json:
        self._require(params, "channel", "ts")
        self._check_message_content(params, require_content=False)
        channel = self._resolve_channel(str(params["channel"]))
        message = self._find_message(channel["id"], str(params["ts"]))
        with self._lock:
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in params:
                    message[key] = params[key]
            message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
            public = self._public_message(message)
        return {
            "channel": channel["id"],
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": public,
        }

    def _chat_delete(self, params: Json, token: str | None) -> Json:
        self._require(params, "channel", "ts")
        channel = self._resolve_channel(str(params["channel"]))
        message = self._find_message(channel["id"], str(params["ts"]))
        with self._lock:
            message["_deleted"] = True
        return {"channel": channel["id"], "ts": message["ts"]}

    def _chat_get_permalink(self, params: Json, token: str | None) -> Json:
        self._require(params, "channel", "message_ts")
        ts = str(params["message_ts"]).replace(".", "")
        return {
            "channel": params["channel"],
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/archives/{params['channel']}/p{ts}",
        }

    def _views_open(self, params: Json, token: str | None) -> Json:
        view = self._check_view(params.get("view"))
        if view.get("type") != "modal":
            raise SlackError("invalid_arguments")
        self._consume_trigger(params)
        return {"view": self._store_view(view, None)}

    def _views_push(self, params: Json, token: str | None) -> Json:
        view = self._check_view(params.get("view"))
        self._consume_trigger(params)
        return {"view": self._store_view(view, None)}

    def _views_update(self, params: Json, token: str | None) -> Json:
        view = self._check_view(params.get("view"))
        with self._lock:
            if params.get("view_id"):
                current = self._views.get(str(params["view_id"]))
            elif params.get("external_id"):
                current = next(
                    (v for v in self._views.values() if v["external_id"] == params["external_id"]),
                    None,
                )
            else:
                raise SlackError("invalid_arguments")
        if current is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._store_view(view, current["id"], current["root_view_id"])}

    def _views_publish(self, params: Json, token: str | None) -> Json:
        self._require(params, "user_id")
        view = self._check_view(params.get("view"))
        if view.get("type") != "home":
            raise SlackError("invalid_arguments")
        self._check_user(str(params["user_id"]))
        home_id = _stable_id("V", ["home", str(params["user_id"])])
        return {"view": self._store_view(view, home_id)}

    def _conversations_open(self, params: Json, token: str | None) -> Json:
        if params.get("channel"):
            with self._lock:
                existing = self._channels.get(str(params["channel"]))
            if existing is None:
                raise SlackError("channel_not_found")
            return {"no_op": True, "already_open": True, "channel": {"id": existing["id"]}}
        self._require(params, "users")
        raw = params["users"]
        users = raw if isinstance(raw, list) else [u.strip() for u in str(raw).split(",")]
        users = [u for u in users if u]
        if len(users) > 8:
            raise SlackError("too_many_users")
        channel, already = self._open_conversation(users)
        info: Json = {"id": channel["id"]}
        if _truthy(params.get("return_im")):
            info = {k: v for k, v in channel.items() if k != "members"}
        return {"no_op": already, "already_open": already, "channel": info}

    def _conversations_members(self, params: Json, token: str | None) -> Json:
        self._require(params, "channel")
        with self._lock:
            channel = self._channels.get(str(params["channel"]))
            members = list(channel["members"]) if channel is not None else None
        if members is None:
            raise SlackError("channel_not_found")
        page, next_cursor = _paginate(members, params, default_limit=100)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, params: Json, token: str | None) -> Json:
        self._require(params, "channel")
        with self._lock:
            channel = self._channels.get(str(params["channel"]))
            if channel is None:
                raise SlackError("channel_not_found")
            info = {k: v for k, v in channel.items() if k != "members"}
            if _truthy(params.get("include_num_members")):
                info["num_members"] = len(channel["members"])
        return {"channel": info}

    def _public_user(self, user: Json, include_locale: bool) -> Json:
        data = _copy(user)
        if not include_locale:
            # Slack only reveals the locale when asked with include_locale=true.
            data.pop("locale", None)
        return data

    def _users_info(self, params: Json, token: str | None) -> Json:
        self._require(params, "user")
        user = self._user(str(params["user"]))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": self._public_user(user, _truthy(params.get("include_locale")))}

    def _bot_user(self) -> Json:
        return {
            "id": self.bot_user_id,
            "team_id": self.team_id,
            "name": BOT_USER_NAME,
            "deleted": False,
            "real_name": "civic-match",
            "is_bot": True,
            "is_app_user": False,
            "is_admin": False,
            "is_owner": False,
            "profile": {"real_name": "civic-match", "bot_id": self.bot_id, "api_app_id": APP_ID},
        }

    def _users_list(self, params: Json, token: str | None) -> Json:
        include_locale = _truthy(params.get("include_locale"))
        with self._lock:
            users = [self._public_user(u, include_locale) for u in self._users.values()]
        # Like Slack, the list also holds Slackbot and the app's own bot user.
        slackbot = {"id": "USLACKBOT", "name": "slackbot", "deleted": False, "is_bot": False}
        everyone = [*users, self._bot_user(), slackbot]
        page, next_cursor = _paginate(everyone, params, default_limit=200)
        return {
            "members": page,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _team_info(self, params: Json, token: str | None) -> Json:
        return {
            "team": {
                "id": self.team_id,
                "name": TEAM_NAME,
                "domain": TEAM_DOMAIN,
                "email_domain": "",
                "icon": {"image_default": True},
                "url": f"https://{TEAM_DOMAIN}.slack.com/",
            }
        }

    def _files_get_upload_url(self, params: Json, token: str | None) -> Json:
        self._require(params, "filename", "length")
        try:
            length = int(params["length"])
        except ValueError as e:
            raise SlackError("invalid_arguments") from e
        file_id = self._new_id("F")
        with self._lock:
            self._pending_uploads[file_id] = {
                "file_id": file_id,
                "filename": params["filename"],
                "length": length,
                "alt_txt": params.get("alt_txt"),
                "snippet_type": params.get("snippet_type"),
                "content": None,
            }
        return {"upload_url": f"{self.url}upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: Json, token: str | None) -> Json:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments")
        channel_id = params.get("channel_id")
        channels = params.get("channels")
        if channel_id:
            self._resolve_channel(str(channel_id))
        completed: list[Json] = []
        with self._lock:
            for item in files:
                pending = self._pending_uploads.get(str(item.get("id")))
                if pending is None or pending["content"] is None:
                    raise SlackError("file_not_found")
            for item in files:
                pending = self._pending_uploads.pop(str(item["id"]))
                title = item.get("title") or pending["filename"]
                content: bytes = pending["content"]
                self._uploaded.append(
                    {
                        "file_id": pending["file_id"],
                        "filename": pending["filename"],
                        "title": title,
                        "content": content,
                        "channel_id": channel_id,
                        "channels": channels,
                        "initial_comment": params.get("initial_comment"),
                        "thread_ts": params.get("thread_ts"),
                    }
                )
                completed.append(
                    {
                        "id": pending["file_id"],
                        "created": int(time.time()),
                        "timestamp": int(time.time()),
                        "name": pending["filename"],
                        "title": title,
                        "mimetype": "",
                        "filetype": "",
                        "user": self.bot_user_id,
                        "size": len(content),
                        "url_private": f"{self.url}files/{pending['file_id']}",
                        "permalink": (
                            f"https://{TEAM_DOMAIN}.slack.com/files/"
                            f"{self.bot_user_id}/{pending['file_id']}"
                        ),
                    }
                )
        return {"files": completed}
