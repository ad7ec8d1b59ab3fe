"""Injected failures, per API, so clients can be tested against a misbehaving Contentstack.

Two sorts:
- standing conditions: added latency, and "slow" (headers sent at once, body held back) — both stay
  until changed;
- one-shot faults, queued: the next N requests get a fault's answer instead of the real one, in the
  order they were queued: `rate_limit` (429 + Retry-After), `status` (5xx), `invalid_json`
  (a complete 200 whose JSON is cut short), `truncate` (a 200 whose body stops mid-way as the
  connection closes), `reset` (the connection is reset, no answer at all), `huge` (a 200 whose
  valid JSON body is `mb` megabytes, optionally gzip-compressed into a few kilobytes: a "zip bomb"),
  `trickle` (a 200 whose body arrives a byte at a time, each soon enough to beat a read timeout).

To add a kind: subclass `Fault`, give it a `kind` and `from_params`,
decorate it with `@register`, and return any ASGI app from `answer` (it need not be a Response).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import struct
import threading
import zlib
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

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


@register
@dataclass(frozen=True)
class ResetFault(Fault):
    """The connection is reset (TCP RST) before any answer, as a crashing proxy or a dropped NAT entry does."""

    kind: ClassVar[str] = "reset"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        return cls()

    def answer(self, api: Api) -> FaultAnswer:
        return FaultAnswer(_drop_connection(reset=True), 0)


@register
@dataclass(frozen=True)
class TruncateFault(Fault):
    """200 headers announcing a JSON body, part of it, then the connection closes mid-body."""

    kind: ClassVar[str] = "truncate"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        return cls()

    def answer(self, api: Api) -> FaultAnswer:
        return FaultAnswer(_drop_connection(reset=False, partial=b'[{"uid": "6650b8f1'), 200)


_MB = 1024 * 1024


@register
@dataclass(frozen=True)
class HugeFault(Fault):
    """200 with a valid JSON body of `mb` MiB (`[`, blanks, `]`), streamed; with `gzip` it is sent
    gzip-compressed (about a thousandth of that on the wire: a decompression bomb)."""

    kind: ClassVar[str] = "huge"
    mb: int = 100
    gzip: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        gzip = params.get("gzip", False)
        if not isinstance(gzip, bool):
            raise FaultError("gzip must be true or false")
        fault = cls(mb=_int_param(params, "mb", 100, 1, 4096), gzip=gzip)
        if gzip:
            _gzip_blanks(fault.mb * _MB)  # compressed now, so the answer itself is not delayed by it
        return fault

    def answer(self, api: Api) -> FaultAnswer:
        size = self.mb * _MB
        if self.gzip:
            body = _gzip_blanks(size)
            headers = [(b"content-type", b"application/json"), (b"content-encoding", b"gzip")]
            headers.append((b"content-length", str(len(body)).encode()))

            async def bomb(scope: Scope, receive: Receive, send: Send) -> None:
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})

            return FaultAnswer(bomb, 200)

        async def huge(scope: Scope, receive: Receive, send: Send) -> None:
            gone = _watch_disconnect(receive)
            headers = [(b"content-type", b"application/json"), (b"content-length", str(size).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"[", "more_body": True})
            blanks, left = b" " * _MB, size - 2
            while left > 0 and not gone.is_set():
                piece = blanks[: min(left, _MB)]
                left -= len(piece)
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b"]"})

        return FaultAnswer(huge, 200)


def _watch_disconnect(receive: Receive) -> asyncio.Event:
    """An event set once the client disconnects (the request body, if any, is read and dropped)."""
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    task = asyncio.get_running_loop().create_task(watch())
    _WATCHERS.add(task)
    task.add_done_callback(_WATCHERS.discard)
    return gone


_WATCHERS: set[asyncio.Task[None]] = set()
"""Strong references to the disconnect watchers while they run."""


@functools.lru_cache(maxsize=4)
def _gzip_blanks(size: int) -> bytes:
    """`[` + blanks + `]` of `size` bytes, gzip-compressed (computed once per size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(b"[")]
    blanks, left = b" " * _MB, size - 2
    while left > 0:
        piece = blanks[: min(left, _MB)]
        left -= len(piece)
        parts.append(compressor.compress(piece))
    parts.append(compressor.compress(b"]"))
    parts.append(compressor.flush())
    return b"".join(parts)


@register
@dataclass(frozen=True)
class TrickleFault(Fault):
    """200 headers at once, then a valid JSON body (`[`, blanks, `]`) one byte every
    `interval_ms` for `seconds`: never a gap long enough for a read timeout to notice."""

    kind: ClassVar[str] = "trickle"
    seconds: int = 60
    interval_ms: int = 100

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Fault:
        return cls(
            seconds=_int_param(params, "seconds", 60, 1, 3600),
            interval_ms=_int_param(params, "interval_ms", 100, 1, 60_000),
        )

    def answer(self, api: Api) -> FaultAnswer:
        pieces = max(2, self.seconds * 1000 // self.interval_ms)
        interval = self.interval_ms / 1000

        async def trickle(scope: Scope, receive: Receive, send: Send) -> None:
            gone = _watch_disconnect(receive)
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": b"[", "more_body": True})
            for _ in range(pieces - 2):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(gone.wait(), interval)
                if gone.is_set():
                    return  # the client left: nothing more to send to anyone
                await send({"type": "http.response.body", "body": b" ", "more_body": True})
            await send({"type": "http.response.body", "body": b"]"})

        return FaultAnswer(trickle, 200)


def _drop_connection(*, reset: bool, partial: bytes | None = None) -> ASGIApp:
    """An ASGI app that drops the client's connection: reset (RST) or closed (FIN), after `partial` if given.

    Served by uvicorn, it reaches the connection's transport through the server's `receive`
    (bound to uvicorn's request cycle; the gate keeps it in the scope) and aborts it for real:
    with SO_LINGER 0 the kernel sends an RST. In process (`httpx2.ASGITransport`) there is no
    connection; there it raises what an httpx2 client raises for the same event on a real socket,
    so callers see the same failure.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if partial is not None:
            headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": partial, "more_body": True})
        transport = scope.get(TRANSPORT_KEY) or server_transport(receive)
        if transport is None:
            import httpx2  # in process, the caller is an httpx2 client (its ASGITransport)

            if reset:
                raise httpx2.ReadError("[Errno 104] Connection reset by peer")
            raise httpx2.RemoteProtocolError("peer closed connection without sending complete message body")
        if reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()
        while (await receive())["type"] != "http.disconnect":  # the server notices, and stays quiet
            pass

    return app


TRANSPORT_KEY = "sandbox.transport"
"""Scope key under which the gate keeps the connection's transport (None in process)."""


def server_transport(receive: Receive) -> asyncio.Transport | None:
    """uvicorn's connection transport, if `receive` is bound to one of its request cycles."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    return transport if isinstance(transport, asyncio.Transport) else None


@dataclass
class _Queued:
    fault: Fault
    remaining: int
    path: str | None = None
    """Only requests whose path (on the API's host) ends with this; None: any request."""


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

    def add(self, target: FaultTarget | str, fault: Fault, count: int = 1, *, path: str | None = None) -> None:
        """Answer the next `count` requests of `target` with `fault` (after those already queued);
        with `path`, only requests whose path ends with it (others pass it by)."""
        if count < 1:
            raise FaultError("count must be at least 1")
        with self._lock:
            for faults in self._targets(target):
                faults.queue.append(_Queued(fault, count, path))

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

    def take(self, api: Api, path: str = "") -> Fault | None:
        """Consume the next queued one-shot fault of an API that applies to `path`, if any."""
        with self._lock:
            faults = self._apis.get(api)
            if faults is None:
                return None
            head = next((q for q in faults.queue if q.path is None or path.endswith(q.path)), None)
            if head is None:
                return None
            head.remaining -= 1
            if head.remaining == 0:
                faults.queue.remove(head)
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
            path = spec.get("path")
            if path is not None and not isinstance(path, str):
                raise FaultError("path must be a string")
            self.add(target, fault, _int_param(spec, "count", 1, 1, 10_000), path=path)
        else:
            known = ", ".join(["latency", "slow", *FAULT_KINDS])
            raise FaultError(f"kind must be one of {known}")
