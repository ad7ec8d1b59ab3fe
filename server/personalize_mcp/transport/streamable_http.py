"""Streamable HTTP: the ASGI app around the MCP server, and running it with uvicorn.

What the SDK's `streamable_http_app()` serves (both protocol eras at `/mcp`, sessions or
stateless, the RFC 9728 metadata and 401/403 when authentication is on) is wrapped here with:

- DNS-rebinding protection that runs before authentication, so a foreign `Origin` is 403 and a
  foreign `Host` 421 whether or not the request carries a token. Allowed are the loopback names,
  the bind address, the resource URL's host and whatever `--allowed-host`/`--allowed-origin` add.
- `scope="..."` on the SDK's `WWW-Authenticate` challenges (the MCP authorization spec's SHOULD),
  so a client knows which scopes to ask its authorization server for.
- CORS for the `--allowed-origin` origins (none by default), so browser clients can connect.
- `GET /healthz`: a static JSON status (no secrets, no upstream call).
- a per-request time limit, and the SDK's request body limit (413).
- the limits of `limits`: sessions per client and in all, header and body deadlines, open
  connections, and an access log without query strings.

The server's `Lookups` (HTTP pool and lookup cache) are made by the caller and shared
by every session; nothing here owns them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import anyio
import uvicorn
from mcp.server import MCPServer
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, CallToolResult, TextContent
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from personalize_mcp import __version__
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.transport.limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_MAX_SESSIONS_PER_CLIENT,
    ConnectionLimits,
    SessionLimiter,
    guarded_protocol,
    redact_access_log,
)
from personalize_mcp.transport.resource_server import OAuthResourceSettings, is_loopback_host

logger = logging.getLogger(__name__)

MCP_PATH = "/mcp"
HEALTH_PATH = "/healthz"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""Our tools take a few short identifiers; 1 MiB leaves ample room and keeps memory bounded."""
DEFAULT_REQUEST_TIMEOUT = 120.0
"""Longer than any tool needs even when Contentstack rate-limits; a stuck call is stopped."""
GRACEFUL_SHUTDOWN_SECONDS = 5
"""How long open streams may run after SIGTERM/SIGINT before they are cancelled."""

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "[::]", "")  # noqa: S104 — names to recognise, not to bind
LONG_LIVED_METHODS = frozenset({"subscriptions/listen"})
"""Requests that are streams by design; the per-request time limit does not apply to them."""

_HOST_ENTRY = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:(\d{1,5}|\*))?$")
_ORIGIN_ENTRY = re.compile(r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:(\d{1,5}|\*))?$")


@dataclass(frozen=True, slots=True)
class HTTPOptions:
    """Everything `serve --transport http` needs besides the MCP server itself."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    stateless: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    oauth: OAuthResourceSettings | None = None
    insecure_no_auth: bool = False
    max_sessions: int = DEFAULT_MAX_SESSIONS
    max_sessions_per_client: int = DEFAULT_MAX_SESSIONS_PER_CLIENT
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    def __post_init__(self) -> None:
        self._check_limits()
        if not 0 <= self.port <= 65535:
            raise ConfigurationError(f"--port must be between 0 and 65535, got {self.port}.")
        if self.max_body_bytes <= 0:
            raise ConfigurationError(f"--max-body-bytes must be a positive number, got {self.max_body_bytes}.")
        if not self.request_timeout > 0:
            raise ConfigurationError(
                f"--request-timeout must be a positive number of seconds, got {self.request_timeout}."
            )
        for entry in self.allowed_hosts:
            if not _HOST_ENTRY.match(entry):
                raise ConfigurationError(
                    f"--allowed-host takes a host name or address with an optional :port or :*, got {entry!r}."
                )
        for entry in self.allowed_origins:
            if not _ORIGIN_ENTRY.match(entry):
                raise ConfigurationError(
                    f"--allowed-origin takes scheme://host with an optional :port or :* and no path, got {entry!r}."
                )
        if self.oauth is None and not self.insecure_no_auth:
            if not self.loopback:
                raise ConfigurationError(
                    f"Refusing to serve on {self.host} without authentication: add --oauth-issuer URL and "
                    "--resource-url https://<public name>/mcp (README, section Deploying), or bind --host 127.0.0.1."
                )
            # A public name in the Host allow-list means other machines reach us (through a proxy).
            public = [h for h in self.allowed_hosts if not is_loopback_host(_host_name(h))]
            if public:
                raise ConfigurationError(
                    f"Refusing to accept Host {public[0]} without authentication: add --oauth-issuer URL and "
                    f"--resource-url https://{_host_name(public[0])}/mcp (README, section Deploying)."
                )

    def _check_limits(self) -> None:
        for flag, count in (
            ("--max-sessions", self.max_sessions),
            ("--max-sessions-per-client", self.max_sessions_per_client),
            ("--max-connections", self.max_connections),
        ):
            if count < 1:
                raise ConfigurationError(f"{flag} must be at least 1, got {count}.")
        for flag, seconds in (("--header-timeout", self.header_timeout), ("--body-timeout", self.body_timeout)):
            if not seconds > 0 or seconds == float("inf"):
                raise ConfigurationError(f"{flag} must be a positive number of seconds, got {seconds}.")

    @property
    def connection_limits(self) -> ConnectionLimits:
        return ConnectionLimits(self.header_timeout, self.body_timeout, self.max_connections)

    @property
    def loopback(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host

    @property
    def local_url(self) -> str:
        """The endpoint on this machine (the bind address; 127.0.0.1 for a wildcard bind)."""
        host = "127.0.0.1" if self.host in WILDCARD_ADDRESSES else self.url_host
        return f"http://{host}:{self.port}{MCP_PATH}"

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> HTTPOptions:
        """Flags of `serve --transport http`, checked; raises `ConfigurationError` with one sentence."""
        host = str(args.host).strip()
        oauth_only = {
            "--oauth-jwks-url": args.oauth_jwks_url,
            "--oauth-audience": args.oauth_audience,
            "--required-scope": args.required_scope,
            "--resource-url": args.resource_url,
        }
        oauth: OAuthResourceSettings | None = None
        if args.oauth_issuer:
            resource_url = args.resource_url
            if resource_url is None:
                if not is_loopback_host(host):
                    raise ConfigurationError(
                        "--oauth-issuer needs --resource-url: the https URL clients use to reach /mcp "
                        "(e.g. https://mcp.example.com/mcp), which tokens must be issued for."
                    )
                url_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
                resource_url = f"http://{url_host}:{args.port}{MCP_PATH}"
            oauth = OAuthResourceSettings(
                issuer=args.oauth_issuer,
                resource_url=resource_url,
                audiences=tuple(args.oauth_audience or ()),
                required_scopes=tuple(args.required_scope or ()),
                jwks_url=args.oauth_jwks_url,
            )
        else:
            given = [flag for flag, value in oauth_only.items() if value]
            if given:
                raise ConfigurationError(
                    f"{', '.join(given)} only apply with --oauth-issuer URL (the authorization server "
                    "whose tokens this server accepts)."
                )
        return cls(
            host=host,
            port=args.port,
            allowed_hosts=tuple(args.allowed_host or ()),
            allowed_origins=tuple(args.allowed_origin or ()),
            stateless=bool(args.stateless),
            max_body_bytes=args.max_body_bytes,
            request_timeout=args.request_timeout,
            oauth=oauth,
            insecure_no_auth=bool(args.insecure_no_auth),
            max_sessions=args.max_sessions,
            max_sessions_per_client=args.max_sessions_per_client,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            max_connections=args.max_connections,
        )


def _host_name(entry: str) -> str:
    """`name` of an allow-list entry `name`, `name:port` or `name:*` (IPv6 in brackets)."""
    if entry.startswith("["):
        return entry[: entry.index("]") + 1]
    return entry.partition(":")[0]


def transport_security(options: HTTPOptions) -> TransportSecuritySettings:
    """Host and Origin allow-lists, in the SDK's format (`name` exactly, `name:*` with any port)."""
    hosts: list[str] = list(LOOPBACK_NAMES)
    origins: list[str] = [f"{scheme}://{name}" for scheme in ("http", "https") for name in LOOPBACK_NAMES]
    if options.host not in WILDCARD_ADDRESSES:
        hosts.append(options.url_host)
        origins.append(f"http://{options.url_host}")
    if options.oauth is not None:
        resource = urlsplit(options.oauth.resource_url)
        hosts.append(resource.netloc.rpartition("@")[2])
        origins.append(f"{resource.scheme}://{resource.netloc.rpartition('@')[2]}")
    hosts.extend(options.allowed_hosts)
    origins.extend(options.allowed_origins)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=_any_port(hosts),
        allowed_origins=_any_port(origins),
    )


def _any_port(entries: Sequence[str]) -> list[str]:
    """Entries without a port also match any port (`name` -> `name`, `name:*`), lower-cased."""
    expanded: list[str] = []
    for entry in (e.lower() for e in entries):
        authority = entry.split("://", 1)[-1]
        has_port = re.search(r":(\d+|\*)$", authority.rpartition("]")[2]) is not None
        expanded.extend([entry] if has_port else [entry, f"{entry}:*"])
    return list(dict.fromkeys(expanded))


CORS_ALLOWED_HEADERS = (
    "Content-Type",
    "Authorization",
    "Mcp-Session-Id",
    "MCP-Protocol-Version",
    "Mcp-Method",
    "Mcp-Name",
    "Last-Event-ID",
)
"""Request headers a browser client may send to `/mcp` (those the MCP transports define)."""
CORS_EXPOSED_HEADERS = ("Mcp-Session-Id", "WWW-Authenticate")
"""Response headers a browser client must read: its session, and where to get a token after a 401."""


def origin_pattern(entries: Sequence[str]) -> str:
    """One regular expression matching exactly the origins `--allowed-origin` admits (same rules as
    the rebinding guard: an entry without a port admits any port)."""
    alternatives = [
        re.escape(entry[:-2]) + r":\d{1,5}" if entry.endswith(":*") else re.escape(entry)
        for entry in _any_port(entries)
    ]
    return "(?i:" + "|".join(alternatives) + ")"


class CrossOrigin:
    """CORS on `/mcp` for the `--allowed-origin` origins, so browser clients can connect.

    Preflights (`OPTIONS` with `Access-Control-Request-Method`) are answered here, before the
    SDK (which would answer 405) and before authentication (a preflight never carries a token).
    Answers to allowed origins name that origin and expose the session id and the bearer
    challenge. Foreign origins never get here: the rebinding guard outside refuses them with 403.
    Other paths are left alone (the SDK's OAuth metadata route has CORS of its own).
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str], path: str = MCP_PATH) -> None:
        self.app = app
        self.path = path
        self.cors = CORSMiddleware(
            app,
            allow_origin_regex=origin_pattern(origins),
            allow_methods=("GET", "POST", "DELETE", "OPTIONS"),
            allow_headers=CORS_ALLOWED_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            # An origin allowed by name may be a public site reaching this loopback server
            # (Chrome's private network access asks for this in the preflight).
            allow_private_network=True,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == self.path:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class RebindingGuard:
    """Host/Origin allow-lists for the MCP endpoint, checked before anything else (auth included).

    Uses the SDK's own check, which answers 421 for a foreign Host and 403 for a foreign Origin.
    Requests without an Origin (every non-browser client) pass the Origin check.
    """

    def __init__(self, app: ASGIApp, settings: TransportSecuritySettings, path: str = MCP_PATH) -> None:
        self.app = app
        self.path = path
        self.check = TransportSecurityMiddleware(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == self.path:
            # Headers only: the body is left for the app to read.
            refusal = await self.check.validate_request(Request(scope), is_post=False)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


_SCOPE_PARAM = re.compile(rb"(^|[\s,])scope=", re.IGNORECASE)


class ScopeChallenge:
    """Adds `scope="..."` (RFC 6750 §3) to the bearer challenges of 401 and 403 answers."""

    def __init__(self, app: ASGIApp, scopes: tuple[str, ...]) -> None:
        self.app = app
        self.param = b', scope="' + " ".join(scopes).encode() + b'"'

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_scope(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (401, 403):
                message = dict(message)
                message["headers"] = [
                    (name, value + self.param)
                    if name.lower() == b"www-authenticate"
                    and value.lower().startswith(b"bearer")
                    and not _SCOPE_PARAM.search(value[6:])
                    else (name, value)
                    for name, value in message["headers"]
                ]
            await send(message)

        await self.app(scope, receive, send_with_scope)


class RequestTimeout:
    """Server middleware: a request that runs longer than `seconds` is stopped with one sentence.

    A tool call answers as a failed tool result (so the model reads why), anything else as a
    JSON-RPC error. Streams by design (`subscriptions/listen`) and notifications are exempt.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.request_id is None or ctx.method in LONG_LIVED_METHODS:
            return await call_next(ctx)
        with anyio.move_on_after(self.seconds):
            return await call_next(ctx)
        logger.warning("Stopped a %s request after %g s", ctx.method, self.seconds)
        if ctx.method == "tools/call":
            name = (ctx.params or {}).get("name", "tool")
            return CallToolResult(
                content=[
                    TextContent(
                        type="text",
                        text=f"The {name} call took longer than {self.seconds:g} seconds and was stopped; "
                        "try again in a moment.",
                    )
                ],
                is_error=True,
            )
        raise MCPError(
            INTERNAL_ERROR, f"The {ctx.method} request took longer than {self.seconds:g} seconds and was stopped."
        )


def create_http_app(server: MCPServer[Any], options: HTTPOptions) -> ASGIApp:
    """Configure `server` for HTTP (time limit, `/healthz`) and return the ASGI app to serve.

    Call once per server. The server must have been built with the auth settings and token
    verifier of `options.oauth` (see `build_server`), or without both.
    """
    if (server.settings.auth is None) != (options.oauth is None):
        raise ValueError("the server's auth settings do not match options.oauth")
    server.middleware.append(RequestTimeout(options.request_timeout))
    health = {
        "status": "ok",
        "server": server.name,
        "version": __version__,
        "transport": "streamable-http",
        "endpoint": MCP_PATH,
        "stateless": options.stateless,
        "auth": "oauth" if options.oauth else "none",
    }

    @server.custom_route(HEALTH_PATH, methods=["GET"])  # type: ignore[untyped-decorator]  # SDK lacks annotations
    async def healthz(request: Request) -> Response:
        return JSONResponse(health, headers={"cache-control": "no-store"})

    security = transport_security(options)
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=options.stateless,
        max_request_body_size=options.max_body_bytes,
        # A backstop only: `SessionLimiter` keeps to max_sessions, ending the idlest instead of refusing.
        max_sessions=options.max_sessions + options.max_sessions_per_client,
        transport_security=security,
        host=options.host,
    )
    if not options.stateless:
        # In front of the manager's own app, behind authentication (so the token's subject is known).
        manager = server.session_manager
        manager.asgi_app = SessionLimiter(  # type: ignore[assignment]  # any ASGI app will do there
            manager.asgi_app,
            per_client=options.max_sessions_per_client,
            total=options.max_sessions,
            idle_timeout=manager.session_idle_timeout,
        )
    if options.oauth is not None and options.oauth.required_scopes:
        app = ScopeChallenge(app, options.oauth.required_scopes)
    if options.allowed_origins:
        app = CrossOrigin(app, options.allowed_origins)
    return RebindingGuard(app, security)


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
    if options.oauth is not None:
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
