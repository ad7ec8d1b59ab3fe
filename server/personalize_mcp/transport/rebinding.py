"""DNS-rebinding protection: Host and Origin allow-lists for `/mcp`, checked before anything else.

It runs before authentication, so a foreign `Origin` is 403 and a foreign `Host` 421 whether or
not the request carries a token. Allowed are the loopback names, the bind address, the resource
URL's host and whatever `--allowed-host`/`--allowed-origin` add.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from personalize_mcp.transport.addresses import LOOPBACK_NAMES, MCP_PATH, WILDCARD_ADDRESSES, any_port
from personalize_mcp.transport.http_options import HTTPOptions


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
    if options.broker is not None:
        public = urlsplit(options.broker.public_url)
        hosts.append(public.netloc)
        origins.append(f"{public.scheme}://{public.netloc}")
    hosts.extend(options.allowed_hosts)
    origins.extend(options.allowed_origins)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=any_port(hosts),
        allowed_origins=any_port(origins),
    )


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
