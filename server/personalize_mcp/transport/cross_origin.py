"""CORS for the `--allowed-origin` origins (none by default), so browser clients can connect."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from personalize_mcp.transport.addresses import MCP_PATH, any_port

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
        re.escape(entry[:-2]) + r":\d{1,5}" if entry.endswith(":*") else re.escape(entry) for entry in any_port(entries)
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
