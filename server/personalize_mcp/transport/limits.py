"""What keeps one HTTP client from starving the rest: sessions per client, connection time, open
connections, and an access log that never holds a query string.

- `SessionLimiter` sits in front of the SDK's session manager. A client (the token's subject when
  authentication is on, else the peer address) holds at most `per_client` 2025-era sessions, and
  the server at most `total`; a client opening one more first ends its own idlest session (no
  request in flight, longest unused), and at the server's limit the idlest of all goes. A session
  ends exactly as a client's `DELETE` would end it, so its id then answers 404 and a client opens a
  new one. A client whose sessions are all busy is refused with 429 instead.
- `guarded_protocol` is uvicorn's h11 protocol with deadlines: a connection's request headers must
  be complete within `header_timeout` of it opening (or of the previous response), and its body
  within `body_timeout` of the headers; past either it is closed (408 when nothing was answered
  yet). At `max_connections` open connections the one waiting longest for a request is closed to
  make room; when every one is busy with a request, the new connection gets 503 at once. Half-open
  connections therefore neither pile up nor use up file descriptors.
- `RedactQuery` replaces the query string in uvicorn's access log: a client may put a token there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import h11
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, authorization_context
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

SESSION_HEADER = b"mcp-session-id"
DEFAULT_MAX_SESSIONS = 1000
DEFAULT_MAX_SESSIONS_PER_CLIENT = 32
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 512
"""Half the usual `ulimit -n` of 1024: the rest stays for upstream connections and files."""


# -- sessions per client -------------------------------------------------------------------------


@dataclass
class _Session:
    client: Hashable
    user: Any
    """`scope["user"]` of the request that opened it: ending it must present the same owner."""
    host: bytes
    busy: int = 0
    last_used: float = field(default_factory=time.monotonic)


def client_key(scope: Scope) -> Hashable:
    """Who a request is from: the token's subject (or its client) when authenticated, else the peer."""
    user = scope.get("user")
    if isinstance(user, AuthenticatedUser):
        who = authorization_context(user)
        if who["subject"]:
            return ("subject", who["issuer"], who["subject"])
        return ("client", who["issuer"], who["client_id"])
    peer = scope.get("client")
    return ("peer", peer[0] if peer else None)


class SessionLimiter:
    """ASGI wrapper of the session manager's app: session limits per client and in all (see above)."""

    def __init__(self, app: ASGIApp, *, per_client: int, total: int, idle_timeout: float | None) -> None:
        self.app = app
        self.per_client = per_client
        self.total = total
        self.forget_after = None if idle_timeout is None else idle_timeout + 60.0
        self.sessions: dict[str, _Session] = {}
        self.opening: dict[Hashable, int] = {}

    def held_by(self, client: Hashable) -> list[str]:
        return [sid for sid, session in self.sessions.items() if session.client == client]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        sid = headers.get(SESSION_HEADER, b"").decode("latin-1")
        if sid:
            await self._in_session(sid, scope, receive, send)
        elif scope["method"] == "POST":
            await self._opening(client_key(scope), headers.get(b"host", b""), scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _in_session(self, sid: str, scope: Scope, receive: Receive, send: Send) -> None:
        session = self.sessions.get(sid)
        if session is None:
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        session.busy += 1
        try:
            await self.app(scope, receive, watch)
        finally:
            session.busy -= 1
            session.last_used = time.monotonic()
            if status == 404 or (scope["method"] == "DELETE" and 200 <= status < 300):
                self.sessions.pop(sid, None)  # ended by the client, or expired in the SDK

    async def _opening(self, client: Hashable, host: bytes, scope: Scope, receive: Receive, send: Send) -> None:
        self._forget_expired()
        held = self.held_by(client)
        if len(held) + self.opening.get(client, 0) >= self.per_client and not await self._end_idlest(held):
            await _refuse(send, 429, "This client holds too many sessions, all of them busy; close one and retry.")
            return
        if len(self.sessions) + sum(self.opening.values()) >= self.total and not await self._end_idlest(
            list(self.sessions)
        ):
            await _refuse(send, 503, "The server holds too many sessions, all of them busy; try again shortly.")
            return
        opened: str | None = None

        async def watch(message: Message) -> None:
            nonlocal opened
            if message["type"] == "http.response.start" and message["status"] < 400:
                opened = dict(message.get("headers", [])).get(SESSION_HEADER, b"").decode("latin-1") or None
                if opened:  # registered before the client can use it
                    self.sessions[opened] = _Session(client=client, user=scope.get("user"), host=host)
            await send(message)

        self.opening[client] = self.opening.get(client, 0) + 1
        try:
            await self.app(scope, receive, watch)
        finally:
            self.opening[client] -= 1
            if not self.opening[client]:
                del self.opening[client]

    async def _end_idlest(self, candidates: list[str]) -> bool:
        """End the idlest session among `candidates` that has no request in flight; False if none."""
        idle = [sid for sid in candidates if sid in self.sessions and not self.sessions[sid].busy]
        if not idle:
            return False
        sid = min(idle, key=lambda s: self.sessions[s].last_used)
        session = self.sessions.pop(sid)
        logger.info("Ending the idlest session %s of %s to make room", sid[:12], _shown(session.client))
        await self._delete(sid, session)
        return True

    async def _delete(self, sid: str, session: _Session) -> None:
        """What a client's `DELETE /mcp` does, as that client: the SDK ends the session itself."""
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "DELETE",
            "scheme": "http",
            "path": "/mcp",
            "raw_path": b"/mcp",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", session.host), (SESSION_HEADER, sid.encode("latin-1"))],
            "client": None,
            "server": None,
            "state": {},
        }
        if session.user is not None:
            scope["user"] = session.user
            scope["auth"] = getattr(session.user, "scopes", None)

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def discard(message: Message) -> None:
            pass

        try:
            await self.app(scope, receive, discard)
        except Exception:  # the session is forgotten either way; the SDK expires what is left
            logger.warning("Could not end session %s", sid[:12], exc_info=True)

    def _forget_expired(self) -> None:
        """Drop sessions unused for longer than the SDK keeps them (it has ended them by then)."""
        if self.forget_after is None:
            return
        cutoff = time.monotonic() - self.forget_after
        for sid in [s for s, session in self.sessions.items() if not session.busy and session.last_used < cutoff]:
            del self.sessions[sid]


async def _refuse(send: Send, status: int, sentence: str) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32000, "message": sentence}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 429:
        headers.append((b"retry-after", b"5"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _shown(client: Hashable) -> str:
    if isinstance(client, tuple) and client and client[0] == "peer":
        return f"peer {client[1]}"
    return "a token subject" if isinstance(client, tuple) and client and client[0] == "subject" else "a client"


# -- connections ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS


_REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 46\r\nconnection: close\r\nretry-after: 1\r\n\r\n"
    b"Too many open connections; try again shortly.\n"
)
_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 43\r\nconnection: close\r\n\r\n"
    b"The request took too long to arrive; retry.\n"
)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with header and body deadlines and a cap on open connections."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    _last_warning: ClassVar[float] = 0.0

    _timer: asyncio.TimerHandle | None = None
    _phase: str | None = None
    _waiting_since: float = 0.0
    _partial: bool = False
    """Bytes of the next request arrived (a connection idle between requests has sent none)."""
    _refused: bool = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections and not self._close_longest_waiting():
            self._refused = True
            self.transport = transport
            self._warn("Refused a connection: %d are open, every one busy with a request", len(self.connections))
            transport.write(_REFUSED)
            transport.close()
            return
        super().connection_made(transport)
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        if self._refused:
            return
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._phase == "headers":
            self._partial = True
        super().data_received(data)
        self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track()

    # The deadlines follow the client's side of the h11 state machine: IDLE is "the next request's
    # headers are due", SEND_BODY "its body is due"; anything else owes us nothing.
    def _track(self) -> None:
        if self.transport is None or self.transport.is_closing():
            self._cancel()
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            if self._phase != "headers":
                self._arm("headers", self.limits.header_timeout)
        elif state is h11.SEND_BODY:
            if self._phase != "body":
                self._arm("body", self.limits.body_timeout)
        else:
            self._cancel()

    def _arm(self, phase: str, seconds: float) -> None:
        self._cancel()
        self._phase = phase
        self._partial = False
        self._waiting_since = time.monotonic()
        self._timer = self.loop.call_later(seconds, self._expired, phase)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._phase = None, None

    def _expired(self, phase: str) -> None:
        self._timer, self._phase = None, None
        if self.transport.is_closing():
            return
        logger.info("Closed a connection from %s: its request %s took too long", _peer(self.client), phase)
        # 408 only to a request begun and not answered: one written to a connection idle between
        # requests could be read as the answer to a request crossing it on the wire.
        begun = self._partial if phase == "headers" else not (self.cycle and self.cycle.response_started)
        if begun:
            self.transport.write(_TIMED_OUT)
        self.transport.close()

    def _waiting_for_request(self) -> bool:
        return self._phase == "headers" and not self._refused

    def _close_longest_waiting(self) -> bool:
        """Make room by closing the connection that has waited longest for a request's headers."""
        waiting = [c for c in self.connections if isinstance(c, GuardedH11Protocol) and c._waiting_for_request()]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda c: c._waiting_since)
        self._warn("At %d open connections: closed the one waiting longest for a request", len(self.connections))
        oldest._cancel()
        oldest.transport.close()
        self.connections.discard(oldest)
        return True

    @classmethod
    def _warn(cls, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - cls._last_warning >= 10:  # a flood is one line every 10 s, not one per connection
            GuardedH11Protocol._last_warning = now
            logger.warning(message, *args)


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedH11Protocol]:
    """`GuardedH11Protocol` bound to `limits`, for `uvicorn.Config(http=...)`."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "an unknown peer"


# -- the access log ------------------------------------------------------------------------------


class RedactQuery(logging.Filter):
    """uvicorn logs `'%s - "%s %s HTTP/%s" %d'` with the path and query: keep the path only."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?[redacted]", *args[3:])
        return True


def redact_access_log() -> None:
    """Install `RedactQuery` on uvicorn's access logger (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQuery) for f in access.filters):
        access.addFilter(RedactQuery())
