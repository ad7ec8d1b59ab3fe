"""The per-call deadline: one sentence when it passes, fail-fast waits, nesting, inheritance by child tasks."""

from __future__ import annotations

import anyio
import pytest

from personalize_mcp.runtime.cache import TTLCache
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.deadline import (
    DeadlineExceededError,
    current_deadline,
    sleep_within_deadline,
    within_deadline,
)
from tests.helpers import assert_one_sentence

pytestmark = pytest.mark.anyio


async def test_work_past_the_deadline_is_cancelled_and_ends_in_one_sentence() -> None:
    began = anyio.current_time()
    with pytest.raises(DeadlineExceededError) as caught, within_deadline(0.1):
        await anyio.sleep(5)
    assert 0.09 <= anyio.current_time() - began < 0.5
    assert str(caught.value) == "Contentstack did not answer within 0.1 s; try again shortly."
    assert_one_sentence(str(caught.value))


async def test_a_sleep_that_would_overrun_fails_at_once_with_its_reason() -> None:
    began = anyio.current_time()
    with pytest.raises(DeadlineExceededError) as caught, within_deadline(30):
        await sleep_within_deadline(31, "it asked to wait 31 s")
    assert anyio.current_time() - began < 0.05
    assert str(caught.value) == "Contentstack did not answer within 30 s (it asked to wait 31 s); try again shortly."


async def test_a_sleep_that_fits_is_slept() -> None:
    with within_deadline(1):
        await sleep_within_deadline(0.01, "backoff")


async def test_without_a_deadline_nothing_is_limited() -> None:
    assert current_deadline() is None
    with within_deadline(None) as deadline:
        assert deadline is None
        await sleep_within_deadline(0.01, "backoff")


async def test_an_inner_deadline_never_extends_an_outer_one() -> None:
    with within_deadline(0.5) as outer:
        with within_deadline(10) as inner:
            assert inner is outer
        with within_deadline(0.1) as shorter:
            assert shorter is not None and outer is not None and shorter.expires_at < outer.expires_at
        assert current_deadline() is outer
    assert current_deadline() is None


async def test_child_tasks_see_the_callers_deadline() -> None:
    async def remaining() -> float:
        deadline = current_deadline()
        assert deadline is not None
        return deadline.remaining()

    with within_deadline(2):
        left = await gather(remaining, remaining)
    assert all(0 < value <= 2 for value in left)


async def test_an_outer_cancellation_is_not_mistaken_for_the_deadline() -> None:
    with anyio.move_on_after(0.05) as outer:
        with within_deadline(10):
            await anyio.sleep(1)
    assert outer.cancelled_caught


async def test_a_leaders_deadline_is_its_own_a_waiting_caller_fetches_again() -> None:
    """Single-flight: a caller that joined a lookup has its own, later deadline, so the leader
    running out of time must not fail it too."""
    cache = TTLCache(30)
    calls = 0
    joined = anyio.Event()
    outcomes: list[object] = []

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            await joined.wait()
            raise DeadlineExceededError(0.1, "a wait would not fit")
        return 42

    async def leader() -> None:
        try:
            await cache.get("k", fetch)
        except DeadlineExceededError as error:
            outcomes.append(error)

    async def follower() -> None:
        joined.set()
        outcomes.append(await cache.get("k", fetch))

    async with anyio.create_task_group() as group:
        group.start_soon(leader)
        await anyio.wait_all_tasks_blocked()
        group.start_soon(follower)
    assert calls == 2
    assert isinstance(outcomes[0], DeadlineExceededError) and outcomes[1] == 42
