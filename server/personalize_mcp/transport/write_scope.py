"""`personalize-mcp:write` for the tools that change Contentstack, asked for the way MCP clients understand.

With `--auth broker` a person signs in for reading (the scope the 401 challenge names). A call of a
tool that is not read-only (its `readOnlyHint` is false) with a token that lacks the write scope is
answered HTTP 403 `insufficient_scope` naming both scopes (RFC 6750 §3.1), before the MCP app sees
it: the client then asks the person again (SEP-2350 step-up), our consent page shows the write
scope, and Contentstack's consent asks for `personalize:manage`. A token we do not know is left to
the SDK's own 401.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcp.server.auth.provider import TokenVerifier
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from personalize_mcp.transport.addresses import MCP_PATH

_MAX_INSPECTED_BYTES = 4 * 1024 * 1024


class WriteScopeGate:
    """403 `insufficient_scope` for `tools/call` of a changing tool without `write_scope`."""

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        changing_tools: Callable[[], frozenset[str]],
        *,
        write_scope: str,
        scopes: tuple[str, ...],
        resource_metadata: str,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.changing_tools = changing_tools
        self._changing: frozenset[str] | None = None
        """The changing tools, read at the first request (every tool is registered before serving)."""
        self.write_scope = write_scope
        self.challenge = (
            f'Bearer error="insufficient_scope", error_description="Required scope: {write_scope}", '
            f'scope="{" ".join(scopes)}", resource_metadata="{resource_metadata}"'
        ).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._changing is None:
            self._changing = self.changing_tools()
        mcp_post = scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == MCP_PATH
        if not mcp_post or not self._changing:  # nothing to guard: never touch the body
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        if await self._lacks_write_scope(scope, body):
            await _forbidden(send, self.challenge, self.write_scope)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _lacks_write_scope(self, scope: Scope, body: bytes) -> bool:
        tool = _called_tool(body)
        if tool is None or tool not in (self._changing or ()):
            return False
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        if not header.lower().startswith("bearer "):
            return False
        token = await self.verifier.verify_token(header[7:])
        return token is not None and self.write_scope not in token.scopes


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    """The request's body messages as received (to hand on unchanged) and the body, if small enough."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if not message.get("more_body", False) or size > _MAX_INSPECTED_BYTES:
            break
    if size > _MAX_INSPECTED_BYTES:
        return messages, b""
    return messages, b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _called_tool(body: bytes) -> str | None:
    try:
        request: Any = json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(request, dict) or request.get("method") != "tools/call":
        return None
    params = request.get("params")
    name = params.get("name") if isinstance(params, dict) else None
    return name if isinstance(name, str) else None


async def _forbidden(send: Send, challenge: bytes, write_scope: str) -> None:
    body = json.dumps({"error": "insufficient_scope", "error_description": f"Required scope: {write_scope}"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", challenge),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
