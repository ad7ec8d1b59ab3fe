"""Sessions per client and in all, so one HTTP client cannot hold every session the server keeps.

`SessionLimiter` sits in front of the SDK's session manager. A client (the token's subject when
authentication is on, else the peer address) holds at most `per_client` 2025-era sessions, and
the server at most `total`; a client opening one more first ends its own idlest session (no
request in flight, longest unused), and at the server's limit the idlest of all goes. A session
ends exactly as a client's `DELETE` would end it, so its id then answers 404 and a client opens a
new one. A client whose sessions are all busy is refused with 429 instead.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, authorization_context
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

SESSION_HEADER = b"mcp-session-id"
DEFAULT_MAX_SESSIONS = 1000
DEFAULT_MAX_SESSIONS_PER_CLIENT = 32


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
