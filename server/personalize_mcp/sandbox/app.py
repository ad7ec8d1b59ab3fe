"""One Starlette app serving the four Contentstack hosts under path prefixes, plus test controls.

A client that mixes up its base URLs (e.g. calls `/v3/stacks` on the Personalize base) gets a 404,
as it would from the real hosts.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import Mount, Route, Router, request_response

from personalize_mcp.sandbox.analytics import analytics_routes
from personalize_mcp.sandbox.cms import cms_routes
from personalize_mcp.sandbox.control import control_routes
from personalize_mcp.sandbox.gate import ApiGate, WithState
from personalize_mcp.sandbox.oauth import app_host_routes, token
from personalize_mcp.sandbox.personalize import personalize_routes
from personalize_mcp.sandbox.state import SandboxState
from personalize_mcp.sandbox.writes import write_routes

PERSONALIZE_PREFIX = "/personalize"
CMA_PREFIX = "/cma"
APP_PREFIX = "/app"
DEVELOPERHUB_PREFIX = "/developerhub"
CONTROL_PREFIX = "/_sandbox"


@dataclass(frozen=True)
class SandboxURLs:
    """Base URLs of a sandbox at `origin`, in the form the product's settings take them."""

    origin: str
    personalize: str
    """Personalize Management API base (paths `/projects`, ...)."""
    cma: str
    """CMS Management API base, without `/v3`."""
    app: str
    """App UI host: the authorize URL is `{app}/#!/apps/{app_uid}/authorize?...`."""
    token_url: str
    """Developer Hub token endpoint."""
    app_token_url: str
    """The documented alternative token endpoint on the app host (`{app}/apps-api/token`)."""
    control: str
    """Test controls (`/requests`, `/faults`, `/reset`, ...)."""


def sandbox_base_urls(origin: str) -> SandboxURLs:
    origin = origin.rstrip("/")
    return SandboxURLs(
        origin=origin,
        personalize=origin + PERSONALIZE_PREFIX,
        cma=origin + CMA_PREFIX,
        app=origin + APP_PREFIX,
        token_url=origin + DEVELOPERHUB_PREFIX + "/token",
        app_token_url=origin + APP_PREFIX + "/apps-api/token",
        control=origin + CONTROL_PREFIX,
    )


def create_sandbox_app(state: SandboxState | None = None) -> Starlette:
    """The sandbox as an ASGI app; pass a `SandboxState` to control it from a test."""
    state = state or SandboxState()
    token_endpoint = ApiGate(request_response(token), state, "oauth", authenticate=False)
    app_host = Router(
        [
            Route("/apps-api/token", token_endpoint, methods=["POST"]),
            Mount(
                "",
                ApiGate(Router(app_host_routes(), redirect_slashes=False), state, "app", authenticate=False),
            ),
        ],
        redirect_slashes=False,
    )
    app = Starlette(
        routes=[
            Mount(
                PERSONALIZE_PREFIX,
                ApiGate(
                    Router([*personalize_routes(), *write_routes(), *analytics_routes()], redirect_slashes=False),
                    state,
                    "personalize",
                    authenticate=True,
                ),
            ),
            Mount(
                CMA_PREFIX,
                ApiGate(Router(cms_routes(), redirect_slashes=False), state, "cma", authenticate=True),
            ),
            Mount(APP_PREFIX, app_host),
            Mount(
                DEVELOPERHUB_PREFIX,
                ApiGate(
                    Router([Route("/token", token, methods=["POST"])], redirect_slashes=False),
                    state,
                    "oauth",
                    authenticate=False,
                ),
            ),
            Mount(CONTROL_PREFIX, WithState(Router(control_routes()), state)),
        ],
    )
    app.state.sandbox = state
    return app
