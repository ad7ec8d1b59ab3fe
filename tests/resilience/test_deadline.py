"""The per-call deadline: one sentence when it passes; nested blocks keep the earlier one."""

from __future__ import annotations

import anyio
import pytest

from personalize_mcp.deadline import DeadlineExceededError, deadline_message, fits, time_left, within_deadline
from tests.helpers import assert_one_sentence

pytestmark = pytest.mark.anyio


async def test_a_block_that_runs_out_of_time_ends_in_one_sentence() -> None:
    started = anyio.current_time()
    with pytest.raises(DeadlineExceededError) as caught:
        async with within_deadline(0.1):
            await anyio.sleep(5)
    assert 0.09 <= anyio.current_time() - started < 0.5
    assert caught.value.message == "Contentstack did not answer within 0.1 s; try again shortly."
    assert_one_sentence(caught.value.message)


def test_the_message_names_the_configured_budget() -> None:
    assert deadline_message(30) == "Contentstack did not answer within 30 s; try again shortly."
    assert deadline_message(2.5) == "Contentstack did not answer within 2.5 s; try again shortly."


async def test_nested_blocks_keep_the_earlier_deadline() -> None:
    assert time_left() is None and fits(1e9)
    async with within_deadline(0.5):
        outer = time_left()
        assert outer is not None and 0.4 < outer <= 0.5
        async with within_deadline(30):  # e.g. one request's own bound inside a tool call
            inner = time_left()
            assert inner is not None and inner <= outer
            assert fits(0.1) and not fits(1.0)
        async with within_deadline(0.05):
            inner = time_left()
            assert inner is not None and inner <= 0.05
    assert time_left() is None


async def test_the_deadline_reaches_tasks_started_inside() -> None:
    seen: list[float | None] = []

    async def child() -> None:
        seen.append(time_left())

    async with within_deadline(1.0), anyio.create_task_group() as group:
        group.start_soon(child)
    assert seen[0] is not None and seen[0] <= 1.0


async def test_no_deadline() -> None:
    async with within_deadline(None):
        assert time_left() is None
    async with within_deadline(0):
        assert time_left() is None
