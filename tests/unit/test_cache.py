"""The TTL cache: expiry, single-flight, errors shared, cancellation does not poison waiters."""

from __future__ import annotations

import anyio
import pytest

from personalize_mcp.runtime.cache import TTLCache

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_values_live_for_the_ttl() -> None:
    clock = Clock()
    cache = TTLCache(30, clock=clock)
    calls = 0

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        return calls

    assert await cache.get("k", fetch) == 1
    clock.now = 29.9
    assert await cache.get("k", fetch) == 1
    clock.now = 30.1
    assert await cache.get("k", fetch) == 2


async def test_concurrent_callers_share_one_fetch_even_with_caching_off() -> None:
    cache = TTLCache(0)
    calls = 0
    release = anyio.Event()
    results: list[int] = []

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 42

    async def caller() -> None:
        results.append(await cache.get("k", fetch))

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(caller)
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert calls == 1 and results == [42] * 20


async def test_errors_reach_every_waiter_and_are_not_cached() -> None:
    cache = TTLCache(30)
    release = anyio.Event()
    outcomes: list[str] = []
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        raise ValueError("boom")

    async def caller() -> None:
        try:
            await cache.get("k", failing)
        except ValueError as error:
            outcomes.append(str(error))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(caller)
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert outcomes == ["boom"] * 3 and calls == 1

    async def ok() -> int:
        return 7

    assert await cache.get("k", ok) == 7


async def test_a_cancelled_leader_lets_a_waiter_take_over() -> None:
    cache = TTLCache(30)
    started = anyio.Event()
    calls = 0

    async def slow() -> int:
        nonlocal calls
        calls += 1
        started.set()
        await anyio.sleep(10)
        return 1

    async def quick() -> int:
        nonlocal calls
        calls += 1
        return 2

    result: list[int] = []
    async with anyio.create_task_group() as group:
        leader_scope = anyio.CancelScope()

        async def leader() -> None:
            with leader_scope:
                await cache.get("k", slow)

        async def waiter() -> None:
            await started.wait()
            result.append(await cache.get("k", quick))

        group.start_soon(leader)
        group.start_soon(waiter)
        await started.wait()
        await anyio.wait_all_tasks_blocked()
        leader_scope.cancel()
    assert result == [2] and calls == 2


async def test_keys_are_separate() -> None:
    cache = TTLCache(30)

    async def one() -> str:
        return "one"

    async def two() -> str:
        return "two"

    assert await cache.get(("acct-a", "projects"), one) == "one"
    assert await cache.get(("acct-b", "projects"), two) == "two"
