"""Injected failures, per API, so clients can be tested against a misbehaving Contentstack.

Two sorts:
- standing conditions: added latency, and "slow" (headers sent at once, body held back) — both stay
  until changed;
- one-shot faults, queued: the next N requests get a fault's answer instead of the real one, in the
  order they were queued.

One-shot kinds: `rate_limit` (429 + Retry-After), `status` (5xx/4xx), `invalid_json` (200 with a
truncated JSON body, complete HTTP), `reset` (the TCP connection is reset before any answer) and
`truncated` (200 headers, half the body, then the connection closes).

To add a kind: subclass `Fault`, give it a `kind` and `from_params`, decorate it with `@register`,
and return any ASGI app from `answer` (it need not be a Response). Faults that act on the
connection itself find it through `connections.CONNECTIONS` (served by uvicorn only).
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from personalize_mcp.sandbox.connections import CONNECTIONS, reset
from personalize_mcp.sandbox.errors import Api, generic_error

FaultApi = Literal["personalize", "cma", "oauth"]
FaultTarget = Literal["personalize", "cma", "oauth", "all"]
FAULT_APIS: tuple[FaultApi, ...] = get_args(FaultApi)
DEFAULT_SLOW_SECONDS = 30.0


class FaultError(ValueError):
    """A fault description that cannot be applied (bad kind, api or parameter)."""


@dataclass(frozen=True)
class FaultAnswer:
    app: ASGIApp
    status: int
    """Status recorded in the request log (0 when no HTTP response is sent)."""


class Fault(ABC):
    """A one-shot answer that replaces the real response."""

    kind: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault: ...

    @abstractmethod
    def answer(self, api: Api) -> FaultAnswer: ...

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, **{k: v for k, v in vars(self).items() if not k.startswith("_")}}


FAULT_KINDS: dict[str, type[Fault]] = {}


def register(cls: type[Fault]) -> type[Fault]:
    FAULT_KINDS[cls.kind] = cls
    return cls


def _int_param(params: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FaultError(f"{name} must be an integer from {low} to {high}")
    return value


@register
@dataclass(frozen=True)
class RateLimitFault(Fault):
    """429 with `Retry-After: retry_after` (CMS also gets its X-RateLimit headers)."""

    kind: ClassVar[str] = "rate_limit"
    retry_after: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        return cls(retry_after=_int_param(params, "retry_after", 1, 0, 3600))

    def answer(self, api: Api) -> FaultAnswer:
        headers = {"Retry-After": str(self.retry_after)}
        if api == "cma":
            headers |= {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0"}
        return FaultAnswer(generic_error(api, 429, headers), 429)


@register
@dataclass(frozen=True)
class StatusFault(Fault):
    """An error status (500 as JSON in the API's dialect; 502/503/504 as a gateway's HTML)."""

    kind: ClassVar[str] = "status"
    status: int = 500

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        return cls(status=_int_param(params, "status", 500, 400, 599))

    def answer(self, api: Api) -> FaultAnswer:
        return FaultAnswer(generic_error(api, self.status), self.status)


@register
@dataclass(frozen=True)
class InvalidJsonFault(Fault):
    """200 with `application/json` and a truncated body."""

    kind: ClassVar[str] = "invalid_json"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        return cls()

    def answer(self, api: Api) -> FaultAnswer:
        body = {"personalize": b'[{"uid": "6650b8f1a3c9', "cma": b'{"stacks": [{"uid": "blt'}.get(
            api, b'{"access_token": "'
        )
        return FaultAnswer(Response(body, status_code=200, media_type="application/json"), 200)


async def _until_disconnected(receive: Receive) -> None:
    """Let the server notice the dropped connection before the app returns (bounded, just in case)."""
    with suppress(TimeoutError):
        async with asyncio.timeout(5):
            while (await receive())["type"] != "http.disconnect":
                pass


async def _reset_connection(scope: Scope, receive: Receive, send: Send) -> None:
    transport = CONNECTIONS.find(scope)
    if transport is None:  # in process: there is no connection to drop
        raise ConnectionResetError("sandbox fault: connection reset by peer")
    reset(transport)
    await _until_disconnected(receive)


@register
@dataclass(frozen=True)
class ResetFault(Fault):
    """The connection is reset (TCP RST) before any answer: the client reads ECONNRESET."""

    kind: ClassVar[str] = "reset"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        return cls()

    def answer(self, api: Api) -> FaultAnswer:
        return FaultAnswer(_reset_connection, 0)


_TRUNCATED_BODIES: dict[str, bytes] = {
    "personalize": b'[{"uid": "6650b8f1a3c9d2e4f5a6b7c8", "name": "Australian Users", "description": ""}]',
    "cma": b'{"stacks": [{"uid": "blt0f1e2d3c4b5a6978", "name": "Northwind Web", "api_key": "blt1a2b3c4d5e6f7089"}]}',
}


@register
@dataclass(frozen=True)
class TruncatedFault(Fault):
    """200 with a Content-Length, half the body, then the connection closes (a server dying mid-answer)."""

    kind: ClassVar[str] = "truncated"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        return cls()

    def answer(self, api: Api) -> FaultAnswer:
        body = _TRUNCATED_BODIES.get(api, b'{"access_token": "sandbox-truncated-token-0000000000"}')

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            transport = CONNECTIONS.find(scope)
            if transport is None:
                raise ConnectionResetError("sandbox fault: connection closed mid-answer")
            transport.close()  # a FIN after what was written: the client sees the body end early
            await _until_disconnected(receive)

        return FaultAnswer(app, 200)


@dataclass
class _Queued:
    fault: Fault
    remaining: int


@dataclass
class ApiFaults:
    latency_ms: int = 0
    slow_seconds: float = 0.0
    """0 = off; otherwise the body of every response is held back this long after the headers."""
    queue: deque[_Queued] = field(default_factory=deque)


class FaultBoard:
    """Faults for each API; safe to change from a test thread while the server runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._apis: dict[str, ApiFaults] = {api: ApiFaults() for api in FAULT_APIS}

    def _targets(self, target: str) -> list[ApiFaults]:
        if target == "all":
            return list(self._apis.values())
        if target not in self._apis:
            raise FaultError(f"api must be one of {', '.join((*FAULT_APIS, 'all'))}")
        return [self._apis[target]]

    def add(self, target: FaultTarget | str, fault: Fault, count: int = 1) -> None:
        """Answer the next `count` requests of `target` with `fault` (after those already queued)."""
        if count < 1:
            raise FaultError("count must be at least 1")
        with self._lock:
            for faults in self._targets(target):
                faults.queue.append(_Queued(fault, count))

    def set_latency(self, target: FaultTarget | str, ms: int) -> None:
        if ms < 0:
            raise FaultError("latency ms must be >= 0")
        with self._lock:
            for faults in self._targets(target):
                faults.latency_ms = ms

    def set_slow(self, target: FaultTarget | str, seconds: float) -> None:
        if seconds < 0:
            raise FaultError("slow seconds must be >= 0")
        with self._lock:
            for faults in self._targets(target):
                faults.slow_seconds = seconds

    def conditions(self, api: Api) -> tuple[float, float]:
        """(latency in seconds, slow seconds) for an API; zeros for APIs without faults."""
        faults = self._apis.get(api)
        if faults is None:
            return 0.0, 0.0
        return faults.latency_ms / 1000, faults.slow_seconds

    def take(self, api: Api) -> Fault | None:
        """Consume the next queued one-shot fault of an API, if any."""
        with self._lock:
            faults = self._apis.get(api)
            if faults is None or not faults.queue:
                return None
            head = faults.queue[0]
            head.remaining -= 1
            if head.remaining == 0:
                faults.queue.popleft()
            return head.fault

    def clear(self) -> None:
        with self._lock:
            self._apis = {api: ApiFaults() for api in FAULT_APIS}

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                api: {
                    "latency_ms": f.latency_ms,
                    "slow_seconds": f.slow_seconds,
                    "queued": [{**q.fault.describe(), "remaining": q.remaining} for q in f.queue],
                }
                for api, f in self._apis.items()
            }

    def apply(self, spec: Mapping[str, Any]) -> None:
        """Apply one JSON description: `{"api": ..., "kind": ..., ...}` (see the control endpoint)."""
        target = spec.get("api", "all")
        kind = spec.get("kind")
        if not isinstance(target, str):
            raise FaultError("api must be a string")
        if kind == "latency":
            self.set_latency(target, _int_param(spec, "ms", 0, 0, 600_000))
        elif kind == "slow":
            enabled = spec.get("enabled", True)
            seconds = spec.get("seconds", DEFAULT_SLOW_SECONDS)
            if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                raise FaultError("seconds must be a number")
            self.set_slow(target, float(seconds) if enabled else 0.0)
        elif isinstance(kind, str) and kind in FAULT_KINDS:
            fault = FAULT_KINDS[kind].from_params(spec)
            self.add(target, fault, _int_param(spec, "count", 1, 1, 10_000))
        else:
            known = ", ".join(["latency", "slow", *FAULT_KINDS])
            raise FaultError(f"kind must be one of {known}")
