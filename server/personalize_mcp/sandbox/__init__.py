"""A faithful fake of the Contentstack APIs (Personalize, CMS, OAuth), served over HTTP.

Tests, the demo and `personalize-mcp serve --sandbox` reach it through the same client code that
talks to the real service. Imports only its own modules, the standard library, Starlette, pydantic
and uvicorn (the last only to serve it); the reset faults raise httpx2's errors when in process.
"""

from personalize_mcp.sandbox.app import SandboxURLs, create_sandbox_app, sandbox_base_urls
from personalize_mcp.sandbox.clock import ManualClock
from personalize_mcp.sandbox.oauth import consent_url, s256
from personalize_mcp.sandbox.server import serve_in_thread
from personalize_mcp.sandbox.state import (
    SANDBOX_ACCESS_TOKEN,
    SANDBOX_SECOND_ORG_ACCESS_TOKEN,
    RequestRecord,
    SandboxState,
)

__all__ = [
    "SANDBOX_ACCESS_TOKEN",
    "SANDBOX_SECOND_ORG_ACCESS_TOKEN",
    "ManualClock",
    "RequestRecord",
    "SandboxState",
    "SandboxURLs",
    "consent_url",
    "create_sandbox_app",
    "s256",
    "sandbox_base_urls",
    "serve_in_thread",
]
