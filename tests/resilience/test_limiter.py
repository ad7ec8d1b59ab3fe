"""The client-side rate limiter: never more than `limit` requests in any server window, whatever
the network delays; fair; paused by a 429; bounded by the deadline; safe under cancellation."""

from __future__ import annotations

import random

import anyio
import anyio.lowlevel
import pytest

from personalize_mcp.contentstack.ratelimit import UpstreamLimits, WaitTooLong, WindowLimiter
from personalize_mcp.deadline import within_deadline

pytestmark = pytest.mark.anyio


async def run_burst(limiter: WindowLimiter, count: int, hold: tuple[float, float]) -> list[tuple[float, float]]:
    """`count` concurrent requests through the limiter; (sent, answered) times of each."""
    spans: list[tuple[float, float]] = []
    rng = random.Random(count)

    async def request() -> None:
        async with limiter.slot():
            sent = anyio.current_time()
            await anyio.sleep(rng.uniform(*hold))
            spans.append((sent, anyio.current_time()))

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(request)
    return spans


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_no_server_window_ever_sees_more_than_the_limit() -> None:
    limit, window = 3, 0.1
    spans = await run_burst(WindowLimiter(limit, window, margin=0.0), 15, hold=(0.0, 0.04))
    assert len(spans) == 15
    # The server counts a request when it arrives: any moment between our send and its answer.
    rng = random.Random(7)
    for _ in range(200):
        arrivals = [rng.uniform(sent, answered) for sent, answered in spans]
        assert most_in_any_window(arrivals, window) <= limit
    # ... and the limit is used, not just respected: 15 requests take about 15/3 windows.
    duration = max(answered for _, answered in spans) - min(sent for sent, _ in spans)
    assert duration < 15 / limit * (window + 0.04) + 0.2


async def test_a_window_begins_when_the_answer_arrives_not_when_the_request_left() -> None:
    limiter = WindowLimiter(1, 0.1, margin=0.0)
    async with limiter.slot():
        await anyio.sleep(0.15)  # longer than the window
        answered = anyio.current_time()
    async with limiter.slot():
        assert anyio.current_time() - answered >= 0.1 - 0.005


async def test_waiters_are_served_in_arrival_order() -> None:
    limiter = WindowLimiter(1, 0.02, margin=0.0)
    order: list[int] = []

    async def request(number: int) -> None:
        async with limiter.slot():
            order.append(number)

    async with anyio.create_task_group() as group:
        for number in range(6):
            group.start_soon(request, number)
            for _ in range(3):  # let it reach the queue before the next one starts
                await anyio.lowlevel.checkpoint()
    assert order == list(range(6))


async def test_a_pause_holds_back_every_request_of_the_budget() -> None:
    limits = UpstreamLimits(10, 1.0)
    limits.pause(("host", "org"), 0.1)
    started = anyio.current_time()
    async with limits.slot(("host", "org")):
        assert anyio.current_time() - started >= 0.1 - 0.005
    async with limits.slot(("host", "other org")):  # other budgets are not paused
        pass


async def test_a_wait_that_would_outlast_the_deadline_is_refused_at_once() -> None:
    limiter = WindowLimiter(1, 1.0)
    async with limiter.slot():
        pass
    started = anyio.current_time()
    with pytest.raises(WaitTooLong):
        async with within_deadline(0.3), limiter.slot():
            pass
    assert anyio.current_time() - started < 0.1


async def test_cancellation_never_leaks_a_slot() -> None:
    limiter = WindowLimiter(1, 0.05, margin=0.0)
    entered = anyio.Event()

    async def holder() -> None:
        async with limiter.slot():
            entered.set()
            await anyio.sleep(10)

    async with anyio.create_task_group() as group:
        group.start_soon(holder)
        await entered.wait()
        with anyio.move_on_after(0.02):  # a waiter gives up while the slot is taken
            async with limiter.slot():
                pytest.fail("the slot was taken")
        group.cancel_scope.cancel()  # the holder is cancelled mid-request
    assert limiter.counted == 1  # its window still runs: the server may have received it
    await anyio.sleep(0.06)
    assert limiter.counted == 0
    with anyio.fail_after(1):
        async with limiter.slot():
            pass


async def test_limits_off() -> None:
    limits = UpstreamLimits(None)
    assert limits.budget("any") is None
    with anyio.fail_after(1):
        for _ in range(100):
            async with limits.slot("any"):
                pass


def test_bad_limiter_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        WindowLimiter(0)
