"""Serving the sandbox over loopback: in a background thread (pytest) or as a process (`__main__`).

We bind the socket ourselves and hand it to uvicorn, so `--port 0` yields a free port that is known
(and already listening) before uvicorn starts.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from personalize_mcp.sandbox.app import create_sandbox_app
from personalize_mcp.sandbox.state import SandboxState

if TYPE_CHECKING:
    import uvicorn


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say they
    # are TCP. With Nagle on, a response written in two parts (headers, body) waits for the client's
    # delayed ACK: 40 ms more per request on a kept-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def origin_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def make_server(state: SandboxState | None, *, log_level: str = "warning") -> uvicorn.Server:
    import uvicorn

    config = uvicorn.Config(
        create_sandbox_app(state),
        lifespan="off",
        log_config=None,
        log_level=log_level,
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


@contextmanager
def serve_in_thread(state: SandboxState | None = None, *, host: str = "127.0.0.1") -> Iterator[str]:
    """Run the sandbox with uvicorn in a daemon thread on a free port; yields its origin URL."""
    with serve_uvicorn_in_thread(make_server(state), host=host, name="sandbox") as origin:
        yield origin


@contextmanager
def serve_uvicorn_in_thread(server: uvicorn.Server, *, host: str = "127.0.0.1", name: str = "uvicorn") -> Iterator[str]:
    """Run any uvicorn server in a daemon thread on a free port of `host`; yields its origin URL
    once it accepts connections, and stops it on exit."""
    sock = bind_socket(host, 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {name} server did not start")
            time.sleep(0.005)
        yield origin_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
