"""A per-request time limit: a stuck request is stopped with one sentence rather than held open."""

from __future__ import annotations

import logging
from typing import Any

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, CallToolResult, TextContent

logger = logging.getLogger(__name__)

DEFAULT_REQUEST_TIMEOUT = 120.0
"""Longer than any tool needs even when Contentstack rate-limits; a stuck call is stopped."""
LONG_LIVED_METHODS = frozenset({"subscriptions/listen"})
"""Requests that are streams by design; the per-request time limit does not apply to them."""


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
