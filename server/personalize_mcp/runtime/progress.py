"""Progress of one long call (many CMS pages, many versions), for clients that send a progress token.

The MCP face opens `reporting(send)` around a call; anything below it -- the CMS page walk, an
answer that reads many versions -- calls `advance`, without knowing MCP. Outside such a scope (the
CLI, tests of the lower layers) `advance` does nothing. A failed send never fails the call: progress
is a courtesy.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

logger = logging.getLogger(__name__)

Send = Callable[[float, float | None, str | None], Awaitable[None]]

_current: ContextVar[Send | None] = ContextVar("personalize_mcp_progress", default=None)


@contextmanager
def reporting(send: Send) -> Iterator[None]:
    token = _current.set(send)
    try:
        yield
    finally:
        _current.reset(token)


async def advance(done: float, total: float | None = None, message: str | None = None) -> None:
    """Tell the client how far the current call has come (`done` of `total`)."""
    send = _current.get()
    if send is None:
        return
    try:
        await send(done, total, message)
    except Exception:  # a client that went away, a closed stream: never the call's problem
        logger.debug("Could not send a progress notification", exc_info=True)
