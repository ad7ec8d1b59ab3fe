"""Run independent awaitables together and get their results in order, errors unwrapped.

anyio task groups raise `ExceptionGroup`s; callers want the one error that explains the failure
(e.g. "experience not found"), so the first non-cancellation error is re-raised as itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


async def gather(*calls: Callable[[], Awaitable[Any]]) -> list[Any]:
    """Await every call concurrently; results in the order given. The first failure cancels the rest."""
    results: list[Any] = [None] * len(calls)

    async def run(index: int, call: Callable[[], Awaitable[Any]]) -> None:
        results[index] = await call()

    try:
        async with anyio.create_task_group() as group:
            for index, call in enumerate(calls):
                group.start_soon(run, index, call)
    except BaseExceptionGroup as group_error:
        raise _first_cause(group_error) from None
    return results


async def gather_all(calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """`gather` for calls of one result type."""
    return await gather(*calls)


def _first_cause(group_error: BaseExceptionGroup[BaseException]) -> BaseException:
    for error in group_error.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first_cause(error)
        if not isinstance(error, anyio.get_cancelled_exc_class()):
            return error
    return group_error.exceptions[0]
