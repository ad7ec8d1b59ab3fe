"""The loopback listener `login` waits on for the OAuth redirect.

A few dozen lines of asyncio instead of a web framework: it answers exactly one kind of request
(GET on the redirect URI's path), must bind before the authorize URL is shown (so "port in use"
is reported before the user consents), and must stop the moment the redirect has arrived.

The redirect decides the login, so it is classified here, where the browser's page is written:
a `state` that does not match ends the wait as `STATE_MISMATCH` (its code is never handed on),
`error=...` as `DENIED`/`ERROR`, a code with the right state as `OK`. Requests for other paths
(favicon, probes) or without `code`/`error` are answered and otherwise ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import errno
import hmac
import html
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from personalize_mcp.config.settings import ENV_OAUTH_REDIRECT_URI
from personalize_mcp.runtime.errors import ConfigurationError, UserFacingError

REQUEST_HEAD_LIMIT = 16 * 1024
CONNECTION_TIMEOUT = 10.0
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class ListenerError(UserFacingError):
    """The listener cannot run (address in use, not permitted, ...)."""


class Outcome(enum.Enum):
    OK = "ok"
    DENIED = "denied"
    ERROR = "error"
    STATE_MISMATCH = "state_mismatch"


@dataclass(frozen=True, slots=True)
class Redirect:
    """The decisive redirect. `params` holds the query; its `code` is only ever used when OK."""

    outcome: Outcome
    params: Mapping[str, str] = field(repr=False)

    @property
    def code(self) -> str | None:
        return self.params.get("code") if self.outcome is Outcome.OK else None

    @property
    def error(self) -> str | None:
        return self.params.get("error")

    @property
    def location(self) -> str | None:
        return self.params.get("location")


@dataclass(frozen=True, slots=True)
class RedirectTarget:
    """Where the redirect will arrive, parsed from `CONTENTSTACK_OAUTH_REDIRECT_URI`."""

    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, redirect_uri: str) -> RedirectTarget:
        parts = urlsplit(redirect_uri)
        host = (parts.hostname or "").lower()
        if parts.scheme != "http" or not _is_loopback(host):
            raise ConfigurationError(
                f"{ENV_OAUTH_REDIRECT_URI} must be an http:// loopback address such as http://localhost:8184 "
                f"for `personalize-mcp login` to receive the redirect; got {redirect_uri!r}."
            )
        try:
            port = parts.port or 80
        except ValueError:
            raise ConfigurationError(f"{ENV_OAUTH_REDIRECT_URI} has an invalid port: {redirect_uri!r}.") from None
        return cls(host=host, port=port, path=parts.path or "/")


def classify(params: Mapping[str, str], expected_state: str) -> Outcome | None:
    """What a request to the redirect path means; `None` when it is not a redirect at all."""
    if "code" not in params and "error" not in params:
        return None
    # Constant-time, although state is single-use: no reason to leak its prefix.
    if not hmac.compare_digest(params.get("state", "").encode(), expected_state.encode()):
        return Outcome.STATE_MISMATCH
    if "error" in params:
        return Outcome.DENIED if params["error"] == "access_denied" else Outcome.ERROR
    return Outcome.OK if params.get("code") else None


class RedirectListener:
    """`async with RedirectListener(target, state) as listener: redirect = await listener.wait()`."""

    def __init__(self, target: RedirectTarget, expected_state: str) -> None:
        self._target = target
        self._state = expected_state
        self._servers: list[asyncio.Server] = []
        self._result: asyncio.Future[Redirect] | None = None

    async def __aenter__(self) -> RedirectListener:
        self._result = asyncio.get_running_loop().create_future()
        for sock in _bind(self._target):
            self._servers.append(await asyncio.start_server(self._handle, sock=sock))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        servers, self._servers = self._servers, []
        for server in servers:
            server.close()
        for server in servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=1.0)

    async def wait(self) -> Redirect:
        """The first decisive redirect (no timeout here: the caller bounds the wait)."""
        assert self._result is not None, "use the listener as an async context manager"
        return await asyncio.shield(self._result)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(CONNECTION_TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
                status, page = self._respond(head)
                body = page.encode()
                writer.write(
                    f"HTTP/1.1 {status}\r\n"
                    "Content-Type: text/html; charset=utf-8\r\n"
                    f"Content-Length: {len(body)}\r\n"
                    "Cache-Control: no-store\r\n"
                    "Referrer-Policy: no-referrer\r\n"
                    "Connection: close\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _respond(self, head: bytes) -> tuple[str, str]:
        try:
            method, target, _version = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        except ValueError:
            return "400 Bad Request", _page("Bad request", "This address only receives the Contentstack login.")
        url = urlsplit(target)
        if method not in ("GET", "HEAD") or url.path != self._target.path:
            return "404 Not Found", _page("Not found", "This address only receives the Contentstack login.")
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        outcome = classify(params, self._state)
        if outcome is None:
            return "400 Bad Request", _page(
                "Nothing to do", "This address receives the Contentstack login redirect; no code was given."
            )
        if self._result is not None and not self._result.done():
            self._result.set_result(Redirect(outcome, params))
        return _PAGES[outcome]


def _is_loopback(host: str) -> bool:
    return host in _LOOPBACK_NAMES or host.startswith("127.")


def _bind(target: RedirectTarget) -> list[socket.socket]:
    """Listening sockets on every loopback address the redirect host names.

    `localhost` may reach the browser as 127.0.0.1 or ::1, so both are bound (IPv6 only when the
    machine has it). Any "address in use" is fatal: another program would receive the code.
    """
    hosts = ["127.0.0.1", "::1"] if target.host == "localhost" else [target.host]
    sockets: list[socket.socket] = []
    for host in hosts:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            if sockets:
                continue  # no IPv6 on this machine; 127.0.0.1 is enough
            raise
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((host, target.port))
            sock.listen(16)
            sock.setblocking(False)
        except OSError as error:
            sock.close()
            if error.errno == errno.EADDRINUSE:
                for other in sockets:
                    other.close()
                raise ListenerError(
                    f"Port {target.port} on {target.host} is already in use, so the login redirect cannot be "
                    f"received; stop the program using it or set {ENV_OAUTH_REDIRECT_URI} to another port "
                    "registered for your app."
                ) from None
            if sockets and error.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                continue
            for other in sockets:
                other.close()
            raise ListenerError(
                f"Cannot listen on {host} port {target.port} for the login redirect "
                f"({error.strerror or error}); set {ENV_OAUTH_REDIRECT_URI} to another loopback address."
            ) from None
        sockets.append(sock)
    return sockets


def _page(title: str, message: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family: sans-serif; margin: 3em'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )


_PAGES: dict[Outcome, tuple[str, str]] = {
    Outcome.OK: (
        "200 OK",
        _page("Contentstack login received", "You can close this tab and return to the terminal."),
    ),
    Outcome.DENIED: (
        "200 OK",
        _page("Contentstack login cancelled", "Access was not granted. You can close this tab."),
    ),
    Outcome.ERROR: (
        "200 OK",
        _page("Contentstack login failed", "Contentstack reported an error. You can close this tab."),
    ),
    Outcome.STATE_MISMATCH: (
        "400 Bad Request",
        _page(
            "Login not accepted",
            "This redirect does not belong to the login that is waiting, so it was ignored. You can close this tab.",
        ),
    ),
}
