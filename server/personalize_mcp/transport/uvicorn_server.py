"""Running the app with uvicorn: the socket bound first, connection limits, a clean exit on a signal.

`listen` binds before anything else starts, so a taken port is one sentence rather than a
traceback after start-up. `serve_http` runs uvicorn on it with `connection_limits`' guarded
protocol and the query-free access log, announces itself on stderr, and on SIGINT/SIGTERM lets
open streams finish for a few seconds before the command exits 0.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace

import uvicorn
from starlette.types import ASGIApp

from personalize_mcp import __version__
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.transport.access_log import redact_access_log
from personalize_mcp.transport.addresses import HEALTH_PATH
from personalize_mcp.transport.connection_limits import guarded_protocol
from personalize_mcp.transport.http_options import HTTPOptions

GRACEFUL_SHUTDOWN_SECONDS = 5
"""How long open streams may run after SIGTERM/SIGINT before they are cancelled."""


class _Server(uvicorn.Server):
    """uvicorn, minus re-raising SIGINT/SIGTERM after its graceful shutdown.

    uvicorn re-raises the signal it caught once it has shut down, so the process would end *by*
    the signal (exit status -15 for SIGTERM). Shutdown on a signal is the expected way to stop a
    server, so here it ends `serve()` normally and the command exits 0.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        from uvicorn.server import HANDLED_SIGNALS

        originals = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)

    def __init__(self, config: uvicorn.Config, announce: str) -> None:
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(self.announce, file=sys.stderr, flush=True)


def listen(options: HTTPOptions) -> socket.socket:
    """The listening socket, bound before anything else starts; a taken port is one sentence."""
    host = options.host.strip("[]") or "0.0.0.0"  # noqa: S104 — only reached when the flag allows it
    try:
        infos = socket.getaddrinfo(host, options.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, _, proto, _, address = infos[0]
        # The TCP proto (not 0) lets asyncio turn Nagle off on accepted connections; without it every
        # response on a kept-alive connection waits ~40 ms for the client's delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, proto or socket.IPPROTO_TCP)
    except OSError as error:
        raise ConfigurationError(
            f"Cannot listen on {options.host} ({error.strerror or error}); check --host."
        ) from None
    try:
        if os.name != "nt":  # on Windows SO_REUSEADDR would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise ConfigurationError(
            f"Cannot listen on {options.url_host}:{options.port} ({error.strerror or error}); "
            "choose another --port or stop what is using it."
        ) from None
    sock.set_inheritable(True)
    return sock


async def serve_http(app: ASGIApp, options: HTTPOptions, sock: socket.socket, *, answers: str = "") -> None:
    """Serve `app` on `sock` with uvicorn until SIGINT/SIGTERM, then shut down gracefully.

    `answers` says what answers the tools (account, organisation, region, or the sandbox), for
    the start-up line.
    """
    redact_access_log()
    config = uvicorn.Config(
        app,
        log_config=None,  # our stderr logging (PERSONALIZE_MCP_LOG_LEVEL=INFO shows the access log)
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        http=guarded_protocol(options.connection_limits),
    )
    if options.broker is not None:
        auth = f"OAuth: this server signs people in, metadata at {options.broker.public_url}"
    elif options.oauth is not None:
        auth = "OAuth bearer tokens required"
    elif options.insecure_no_auth:
        auth = "NO AUTHENTICATION (--insecure-no-auth)"
    else:
        auth = "no authentication (loopback only)"
    port = sock.getsockname()[1]
    answering = f": {answers}" if answers else ""
    announce = (
        f"personalize-mcp {__version__} serving MCP over Streamable HTTP at {replace(options, port=port).local_url} "
        f"(health: {HEALTH_PATH}; {auth}){answering}; Ctrl-C or SIGTERM stops it."
    )
    await _Server(config, announce).serve(sockets=[sock])
