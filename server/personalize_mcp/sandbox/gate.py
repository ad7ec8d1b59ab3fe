"""The edge every API request passes, in the order a real edge applies it.

latency → injected fault → bearer token (401) → rate limit (429) → the person's role (403 on Personalize
for a role without access, or on a change by a read-only role; people.py) → route → request log.
A client that leaves during the latency is not answered (logged with status 0).
Routes get the caller from `principal_of(request)` and refuse with `raise Refusal(response)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from personalize_mcp.sandbox.errors import Api, forbidden, generic_error, personalize_error, unauthorized
from personalize_mcp.sandbox.faults import TRANSPORT_KEY, Fault, server_transport
from personalize_mcp.sandbox.people import personalize_access
from personalize_mcp.sandbox.state import RequestRecord, SandboxState
from personalize_mcp.sandbox.tokens import Principal

_PRINCIPAL_KEY = "sandbox.principal"
_STATE_KEY = "sandbox.state"


class Refusal(Exception):
    """Raised by a route to answer with an error response in its API's dialect."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def principal_of(request: Request) -> Principal:
    principal = request.scope.get(_PRINCIPAL_KEY)
    assert isinstance(principal, Principal), "route is not behind an authenticating ApiGate"
    return principal


def state_of(request: Request) -> SandboxState:
    state = request.scope.get(_STATE_KEY)
    assert isinstance(state, SandboxState), "route is not behind an ApiGate"
    return state


def require_scope(request: Request, api: Api, scope: str) -> Principal:
    """The caller, if its token carries `scope` (always true for seeded tokens)."""
    principal = principal_of(request)
    if state_of(request).enforce_scopes and not principal.allows(scope):
        raise Refusal(forbidden(api, f"The access token lacks the {scope} scope."))
    return principal


def json_response(request: Request, key: tuple[object, ...], content: Callable[[], Any]) -> Response:
    """`content()` as JSON. When the data is read-only (a sandbox started with `--scale`), each body is
    rendered once per `key` — which must name everything the body depends on — so that serving a
    5,000-audience list costs the sandbox a copy, not a `json.dumps`, and never dominates a benchmark."""
    state = state_of(request)
    if not state.render_once:
        return JSONResponse(content())
    body = state.rendered.get(key)
    if body is None:
        body = state.rendered[key] = bytes(JSONResponse(content()).body)
    return Response(body, media_type="application/json")


def route_path(scope: Scope) -> str:
    """The path on the API's own host: the sandbox prefix (root_path) removed."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


class ApiGate:
    """ASGI wrapper around one API's routes (or one endpoint)."""

    def __init__(self, app: ASGIApp, state: SandboxState, api: Api, *, authenticate: bool) -> None:
        self.app = app
        self.state = state
        self.api = api
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state, api = self.state, self.api
        scope.setdefault(TRANSPORT_KEY, server_transport(receive))  # for the faults that drop the connection
        headers = Headers(scope=scope)
        status = 0
        principal: Principal | None = None
        extra_headers: dict[str, str] = {}
        latency, slow = state.faults.conditions(api)
        fault: Fault | None = None

        recorded = False

        def record() -> None:
            # Logged when the response starts, before the client can read it, so a test that
            # inspects the log right after its call always finds the request there.
            nonlocal recorded
            if recorded:
                return
            recorded = True
            state.record(
                RequestRecord(
                    time=state.now(),
                    api=api,
                    method=scope["method"],
                    path=route_path(scope),
                    query=scope.get("query_string", b"").decode("latin-1"),
                    organization=principal.org_uid if principal else None,
                    user=principal.user_uid if principal else None,
                    project=headers.get("x-project-uid"),
                    api_key=headers.get("api_key"),
                    status=status,
                    fault=fault.kind if fault is not None else None,
                )
            )

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).update(extra_headers)
                record()
            elif message["type"] == "http.response.body" and slow:
                await asyncio.sleep(slow)
            await send(message)

        async def answer(response: ASGIApp) -> None:
            await response(scope, receive, observed_send)

        try:
            fault = state.faults.take(api, route_path(scope))
            if latency:
                receive, gone = await _sleep_unless_gone(latency, receive)
                if gone:  # the client gave up waiting: nothing more to do (logged unanswered)
                    return
            if fault is not None:
                result = fault.answer(api)
                if not result.status:
                    # No response will start (the connection is dropped): log it now, before the
                    # client can notice and look.
                    record()
                await answer(result.app)
                status = status or result.status
                return
            if self.authenticate:
                token = bearer_token(headers)
                principal = state.tokens.authenticate(token) if token else None
                if principal is None:
                    await answer(unauthorized(api))
                    return
                refusal = self._rate_limit(principal, extra_headers) or self._role(principal, scope["method"])
                if refusal is not None:
                    await answer(refusal)
                    return
                scope[_PRINCIPAL_KEY] = principal
            scope[_STATE_KEY] = state
            await self._route(scope, receive, observed_send, answer)
        finally:
            record()  # a request that never started a response (e.g. a dropped connection)

    async def _route(
        self, scope: Scope, receive: Receive, send: Send, answer: Callable[[ASGIApp], Awaitable[None]]
    ) -> None:
        try:
            await self.app(scope, receive, send)
        except Refusal as refusal:
            await answer(refusal.response)
        except HTTPException as exc:  # unknown path (404) or method (405) in the API's dialect
            if self.api == "personalize" and exc.status_code in (404, 405):  # NestJS: no 405, "Cannot GET /x"
                await answer(personalize_error(404, f"Cannot {scope['method']} {route_path(scope)}"))
            else:
                await answer(generic_error(self.api, exc.status_code, dict(exc.headers or {})))

    def _role(self, principal: Principal, method: str) -> Response | None:
        """403 when the person's role in the token's organisation does not allow this Personalize call."""
        if self.api != "personalize":
            return None
        access = personalize_access(self.state.data.users, principal.org_uid, principal.user_uid)
        if access == "none":
            return forbidden(self.api, "Your role in this organization has no access to Personalize.")
        if access == "read" and method not in ("GET", "HEAD"):
            return forbidden(
                self.api, "Your role in this organization may read Personalize projects but not change them."
            )
        return None

    def _rate_limit(self, principal: Principal, extra_headers: dict[str, str]) -> Response | None:
        limit = self.state.rate_limit_per_second
        if limit is None or self.api not in ("personalize", "cma"):
            return None
        with self.state.lock:
            decision = self.state.rate_limiter.hit((principal.org_uid, self.api), self.state.now(), limit)
        if self.api == "cma":
            extra_headers["X-RateLimit-Limit"] = str(limit)
            extra_headers["X-RateLimit-Remaining"] = str(decision.remaining)
        if decision.allowed:
            return None
        return generic_error(self.api, 429, {"Retry-After": str(decision.retry_after)})


async def _sleep_unless_gone(seconds: float, receive: Receive) -> tuple[Receive, bool]:
    """Wait `seconds` (injected latency) unless the client disconnects first.

    Returns a `receive` that replays what was read meanwhile (the request body), and whether the
    client is gone: a request whose client left is not answered later, so its response cannot
    land in the request log of whatever test runs next.
    """
    read: list[Message] = []

    async def until_gone() -> None:
        while (message := await receive())["type"] != "http.disconnect":
            read.append(message)

    try:
        await asyncio.wait_for(until_gone(), seconds)
    except TimeoutError:
        pass
    else:
        return receive, True

    async def replay() -> Message:
        return read.pop(0) if read else await receive()

    return replay, False


class WithState:
    """Gives un-gated routes (the `/_sandbox` controls) access to the state via `state_of`."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_STATE_KEY] = self.state
        await self.app(scope, receive, send)
