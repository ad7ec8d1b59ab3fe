"""Everything `serve --transport http` needs besides the MCP server: the flags, checked.

`HTTPOptions.from_args` turns the flags into one frozen value and refuses, in one sentence, what
would be unsafe or inconsistent (a public bind or Host without authentication, OAuth flags without
an issuer, a malformed allow-list entry, a limit below 1) before anything starts.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from personalize_mcp.broker.settings import BrokerSettings
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.transport.addresses import (
    HOST_ENTRY,
    MCP_PATH,
    ORIGIN_ENTRY,
    WILDCARD_ADDRESSES,
    host_name,
    is_loopback_host,
)
from personalize_mcp.transport.auth_mode import broker_settings
from personalize_mcp.transport.connection_limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    ConnectionLimits,
)
from personalize_mcp.transport.request_timeout import DEFAULT_REQUEST_TIMEOUT
from personalize_mcp.transport.resource_settings import OAuthResourceSettings
from personalize_mcp.transport.session_caps import DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_CLIENT

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""Our tools take a few short identifiers; 1 MiB leaves ample room and keeps memory bounded."""


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
    broker: BrokerSettings | None = None
    """`--auth broker`: this server is the MCP authorization server, each person signs in as themselves."""
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
            if not HOST_ENTRY.match(entry):
                raise ConfigurationError(
                    f"--allowed-host takes a host name or address with an optional :port or :*, got {entry!r}."
                )
        for entry in self.allowed_origins:
            if not ORIGIN_ENTRY.match(entry):
                raise ConfigurationError(
                    f"--allowed-origin takes scheme://host with an optional :port or :* and no path, got {entry!r}."
                )
        if self.oauth is None and self.broker is None and not self.insecure_no_auth:
            if not self.loopback:
                raise ConfigurationError(
                    f"Refusing to serve on {self.host} without authentication: add --oauth-issuer URL and "
                    "--resource-url https://<public name>/mcp (README, section Deploying), or bind --host 127.0.0.1."
                )
            # A public name in the Host allow-list means other machines reach us (through a proxy).
            public = [h for h in self.allowed_hosts if not is_loopback_host(host_name(h))]
            if public:
                raise ConfigurationError(
                    f"Refusing to accept Host {public[0]} without authentication: add --oauth-issuer URL and "
                    f"--resource-url https://{host_name(public[0])}/mcp (README, section Deploying)."
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
        broker = broker_settings(args)  # --auth against the OAuth flags, and the broker's own
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
            broker=broker,
            insecure_no_auth=bool(args.insecure_no_auth),
            max_sessions=args.max_sessions,
            max_sessions_per_client=args.max_sessions_per_client,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            max_connections=args.max_connections,
        )
