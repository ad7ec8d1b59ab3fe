"""`scope="..."` on the SDK's `WWW-Authenticate` challenges (the MCP authorization spec's SHOULD),
so a client knows which scopes to ask its authorization server for."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
