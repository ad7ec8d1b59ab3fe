"""The TCP connections of the served sandbox, so a fault can drop one the way a failing server does.

ASGI gives an app no handle on its connection. Serving with uvicorn, the sandbox uses a protocol
class that registers each connection's asyncio transport under its two addresses — the same pair
uvicorn puts in a request's scope as `client` and `server` — so a fault can find the connection of
the request it answers and:
- `reset`: abort it with SO_LINGER 0, which makes the kernel send a TCP RST — the client reads
  ECONNRESET, exactly what a crashed process or a load balancer dropping a connection causes;
- `close`: close it normally (FIN) — after a partial body, the client sees a truncated answer.

Only public asyncio API is used (`connection_made`, `connection_lost`, `get_extra_info`,
`abort`, `close`). A request not served this way (in process, through an ASGI transport) has no
connection: `find` returns None and the fault raises `ConnectionResetError` instead.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from typing import TYPE_CHECKING, Any

from starlette.types import Scope

if TYPE_CHECKING:
    from uvicorn.protocols.http.h11_impl import H11Protocol

Address = tuple[str, int]


def _address(value: Any) -> Address | None:
    """(host, port) from a scope's `client`/`server` or a socket name; None when there is none."""
    if isinstance(value, list | tuple) and len(value) >= 2 and isinstance(value[1], int):
        return str(value[0]), value[1]
    return None


class ConnectionRegistry:
    """Live transports by (client address, server address); safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transports: dict[tuple[Address, Address], asyncio.BaseTransport] = {}

    def _key(self, transport: asyncio.BaseTransport) -> tuple[Address, Address] | None:
        client = _address(transport.get_extra_info("peername"))
        server = _address(transport.get_extra_info("sockname"))
        return (client, server) if client and server else None

    def add(self, transport: asyncio.BaseTransport) -> None:
        key = self._key(transport)
        if key is not None:
            with self._lock:
                self._transports[key] = transport

    def discard(self, transport: asyncio.BaseTransport) -> None:
        with self._lock:
            for key, known in list(self._transports.items()):
                if known is transport:
                    del self._transports[key]

    def find(self, scope: Scope) -> asyncio.BaseTransport | None:
        client, server = _address(scope.get("client")), _address(scope.get("server"))
        if client is None or server is None:
            return None
        with self._lock:
            return self._transports.get((client, server))

    def __len__(self) -> int:
        with self._lock:
            return len(self._transports)


CONNECTIONS = ConnectionRegistry()
"""Every connection of every sandbox served in this process (keys include the server address)."""


def reset(transport: asyncio.BaseTransport) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0, then abort)."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if isinstance(transport, asyncio.WriteTransport):
        transport.abort()
    else:
        transport.close()


def tracking_protocol() -> type[H11Protocol]:
    """uvicorn's HTTP protocol class, registering its connections in `CONNECTIONS`."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class TrackedHTTPProtocol(AutoHTTPProtocol):  # type: ignore[valid-type, misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            CONNECTIONS.add(transport)
            super().connection_made(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            CONNECTIONS.discard(self.transport)
            super().connection_lost(exc)

    return TrackedHTTPProtocol
