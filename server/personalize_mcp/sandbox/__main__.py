"""`python -m personalize_mcp.sandbox [--host 127.0.0.1] [--port 0] [--scale K [--seed S]]`: serve the sandbox.

`--scale K` serves a generated account K times the size of a small real one (generated.py: at
K = 1000, 5,000 audiences, 2,000 experiences, a 25,000-variant group) instead of the seed; the
same K and S always give the same data. `GET /_sandbox/scale` tells its notable uids and counts.

Prints exactly one line to stdout once the socket is listening — `Sandbox listening on
http://HOST:PORT` — so a parent process can read the port; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from types import FrameType

from personalize_mcp.sandbox.app import sandbox_base_urls
from personalize_mcp.sandbox.generated import ScaleSpec
from personalize_mcp.sandbox.server import bind_socket, make_server, origin_of
from personalize_mcp.sandbox.state import SandboxState


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m personalize_mcp.sandbox", description="Serve the fake Contentstack APIs on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free port)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument(
        "--scale", type=int, metavar="K", help="serve a generated account of scale K (1000: 5,000 audiences)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated account (default 0)")
    args = parser.parse_args(argv)
    if args.scale is not None and args.scale < 1:
        parser.error("--scale must be at least 1")

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
    log = logging.getLogger("personalize_mcp.sandbox")
    state = None
    if args.scale is not None:
        started = time.perf_counter()
        state = SandboxState(scale=ScaleSpec.of(args.scale, args.seed))
        assert state.generated is not None
        counts = ", ".join(f"{n} {what}" for what, n in state.generated.counts.items())
        log.info(
            "Generated scale %d (seed %d) in %.1f s: %s", args.scale, args.seed, time.perf_counter() - started, counts
        )
    server = make_server(state, log_level=args.log_level)

    def stop(signum: int, frame: FrameType | None) -> None:
        # Also what uvicorn re-raises after its graceful shutdown: exit quietly then.
        server.should_exit = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    origin = origin_of(sock)
    urls = sandbox_base_urls(origin)
    log.info(
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
