"""Connection deadlines and a cap on open connections, so slow or half-open clients cannot pile up.

`guarded_protocol` is uvicorn's h11 protocol with deadlines: a connection's request headers must
be complete within `header_timeout` of it opening (or of the previous response), and its body
within `body_timeout` of the headers; past either it is closed (408 when nothing was answered
yet). At `max_connections` open connections the one waiting longest for a request is closed to
make room; when every one is busy with a request, the new connection gets 503 at once. Half-open
connections therefore neither pile up nor use up file descriptors.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 512
"""Half the usual `ulimit -n` of 1024: the rest stays for upstream connections and files."""


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
