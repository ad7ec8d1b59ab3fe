"""The rate limiter on its own, with windows of a fraction of a second so the tests stay quick."""

from __future__ import annotations

import random

import anyio
import pytest

from personalize_mcp.contentstack.ratelimit import RateLimit, RateLimiter
from personalize_mcp.runtime.deadline import DeadlineExceededError, within_deadline

pytestmark = pytest.mark.anyio

SMALL = RateLimit(requests=3, window=0.2, margin=0.02)
KEY = ("org", "personalize")


async def test_a_burst_up_to_the_limit_starts_at_once_and_the_next_waits_a_window_after_the_answers() -> None:
    limiter = RateLimiter(SMALL)
    started = anyio.current_time()
    for _ in range(3):
        async with limiter.slot(KEY):
            pass
    answered = anyio.current_time()
    assert answered - started < 0.05
    async with limiter.slot(KEY):
        fourth = anyio.current_time()
    assert fourth - started >= SMALL.hold - 0.005
    assert limiter.in_use(KEY) == 1  # the first three have cooled down; the fourth holds its slot


async def test_a_slot_is_held_while_its_request_runs() -> None:
    limiter = RateLimiter(SMALL)
    starts: list[float] = []

    async def request(duration: float) -> None:
        async with limiter.slot(KEY):
            starts.append(anyio.current_time())
            await anyio.sleep(duration)

    began = anyio.current_time()
    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(request, 0.15)
        await anyio.sleep(0.01)
        group.start_soon(request, 0)
    assert max(starts[:3]) - began < 0.05
    # The fourth waited for an answer (0.15 s) and then a whole window and margin.
    assert starts[3] - began >= 0.15 + SMALL.hold - 0.005


async def test_other_keys_are_not_held_up() -> None:
    limiter = RateLimiter(RateLimit(requests=1, window=5.0))
    async with limiter.slot(("org", "personalize")):
        pass
    with anyio.fail_after(0.5):
        async with limiter.slot(("org", "cma")), limiter.slot(("other-org", "personalize")):
            pass


async def test_waiters_start_in_arrival_order() -> None:
    limiter = RateLimiter(RateLimit(requests=1, window=0.02, margin=0.0))
    order: list[int] = []

    async def request(number: int) -> None:
        async with limiter.slot(KEY):
            order.append(number)

    async with anyio.create_task_group() as group:
        for number in range(6):
            group.start_soon(request, number)
            await anyio.sleep(0.001)  # arrive in this order
    assert order == list(range(6))


async def test_a_cancelled_waiter_leaves_no_trace() -> None:
    limiter = RateLimiter(RateLimit(requests=1, window=0.1, margin=0.0))
    async with limiter.slot(KEY):
        pass
    with anyio.move_on_after(0.02):
        async with limiter.slot(KEY):
            pytest.fail("should still be waiting")
    assert limiter.in_flight(KEY) == 0
    with anyio.fail_after(0.5):
        async with limiter.slot(KEY):
            pass


async def test_a_cancelled_request_keeps_its_slot_for_a_window() -> None:
    """Upstream may have counted it: cancelling must not free the slot early."""
    limiter = RateLimiter(RateLimit(requests=1, window=0.15, margin=0.0))
    with anyio.move_on_after(0.02):
        async with limiter.slot(KEY):
            await anyio.sleep(1)
    cancelled = anyio.current_time()
    assert limiter.in_flight(KEY) == 0 and limiter.in_use(KEY) == 1
    async with limiter.slot(KEY):
        assert anyio.current_time() - cancelled >= 0.145


async def test_pause_holds_every_request_of_the_key() -> None:
    limiter = RateLimiter(SMALL)
    limiter.pause(KEY, 0.15)
    paused = anyio.current_time()
    async with limiter.slot(KEY):
        assert anyio.current_time() - paused >= 0.145


async def test_a_wait_that_would_overrun_the_deadline_fails_at_once() -> None:
    limiter = RateLimiter(RateLimit(requests=1, window=1.0))
    async with limiter.slot(KEY):
        pass
    began = anyio.current_time()
    with pytest.raises(DeadlineExceededError) as caught, within_deadline(0.5):
        async with limiter.slot(KEY, reason="queued behind the limit"):
            pytest.fail("should not start")
    assert anyio.current_time() - began < 0.1
    assert str(caught.value) == "Contentstack did not answer within 0.5 s (queued behind the limit); try again shortly."
    assert limiter.in_flight(KEY) == 0


async def test_a_wait_that_fits_the_deadline_is_waited() -> None:
    limiter = RateLimiter(RateLimit(requests=1, window=0.1, margin=0.0))
    async with limiter.slot(KEY):
        pass
    with within_deadline(1.0):
        async with limiter.slot(KEY):
            pass


async def test_a_waiter_far_back_in_the_queue_fails_at_once_too() -> None:
    """Its earliest start counts the waiters ahead of it, each needing a slot."""
    limiter = RateLimiter(RateLimit(requests=1, window=0.2, margin=0.0))
    outcomes: list[str] = []

    async def request(deadline: float) -> None:
        try:
            with within_deadline(deadline):
                async with limiter.slot(KEY):
                    outcomes.append("ran")
        except DeadlineExceededError:
            outcomes.append("refused")

    began = anyio.current_time()
    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(request, 1.0)  # start at 0, 0.2, 0.4
            await anyio.sleep(0.001)
        group.start_soon(request, 0.5)  # would start at 0.6 at the earliest
        await anyio.sleep(0.05)
        assert outcomes == ["ran", "refused"]
    assert outcomes == ["ran", "refused", "ran", "ran"]
    assert anyio.current_time() - began < 0.9


async def test_never_more_than_the_limit_in_any_window_whatever_the_answer_times() -> None:
    """Upstream may count a request at any instant between sending and answer: at every start,
    fewer than `requests` others may have been counted within the window before it."""
    limit = RateLimit(requests=3, window=0.05, margin=0.005)
    limiter = RateLimiter(limit)
    rng = random.Random(6)
    spans: list[tuple[float, float]] = []

    async def request(duration: float) -> None:
        async with limiter.slot(KEY):
            start = anyio.current_time()
            await anyio.sleep(duration)
        spans.append((start, anyio.current_time()))

    async with anyio.create_task_group() as group:
        for _ in range(24):
            group.start_soon(request, rng.choice([0.0, 0.0, 0.005, 0.02, 0.04]))
            if rng.random() < 0.3:
                await anyio.sleep(rng.random() * 0.03)
    assert len(spans) == 24
    for start, _ in spans:
        # Others that could have been counted in (start - window, start]: they started by then
        # and were answered within the window before it.
        overlapping = [s for s, e in spans if s < start and e > start - limit.window]
        assert len(overlapping) < limit.requests, (start, overlapping)
