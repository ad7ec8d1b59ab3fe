"""`python -m personalize_mcp.sandbox [--host 127.0.0.1] [--port 0]`: serve the sandbox.

Prints exactly one line to stdout once the socket is listening — `Sandbox listening on
http://HOST:PORT` — so a parent process can read the port; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from personalize_mcp.sandbox.app import sandbox_base_urls
from personalize_mcp.sandbox.server import bind_socket, make_server, origin_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m personalize_mcp.sandbox", description="Serve the fake Contentstack APIs on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free port)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(argv)

    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    server = make_server(None, log_level=args.log_level)

    def stop(signum: int, frame: FrameType | None) -> None:
        # Also what uvicorn re-raises after its graceful shutdown: exit quietly then.
        server.should_exit = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    origin = origin_of(sock)
    urls = sandbox_base_urls(origin)
    logging.getLogger("personalize_mcp.sandbox").info(
        "Personalize %s | CMA %s | app %s | token %s | control %s",
        urls.personalize,
        urls.cma,
        urls.app,
        urls.token_url,
        urls.control,
    )
    print(f"Sandbox listening on {origin}", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
