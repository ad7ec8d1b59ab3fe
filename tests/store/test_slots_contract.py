"""One contract for the rate-limit ledgers (in memory, and Redis shared by replicas): at most `limit`
slots taken, a released slot cools for its hold, a lost one frees after its lease, pauses hold."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import anyio
import pytest

from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.store.locate import open_slot_ledger
from personalize_mcp.store.slots import MemorySlots, SlotLedger

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "redis"])
async def ledger(request: pytest.FixtureRequest) -> AsyncIterator[SlotLedger]:
    if request.param == "memory":
        yield MemorySlots()
        return
    opened = open_slot_ledger(str(request.getfixturevalue("redis_url")))
    try:
        yield opened
    finally:
        await opened.aclose()  # type: ignore[attr-defined]


@pytest.fixture
def key() -> str:
    return f"test-{uuid.uuid4().hex}:personalize"


async def test_at_most_limit_slots_and_a_hint_when_full(ledger: SlotLedger, key: str) -> None:
    assert isinstance(ledger, SlotLedger)
    taken = [await ledger.acquire(key, limit=3, lease=30) for _ in range(3)]
    assert all(answer.slot for answer in taken)
    assert len({answer.slot for answer in taken}) == 3
    full = await ledger.acquire(key, limit=3, lease=30)
    assert full.slot is None
    assert not full.paused
    assert 25 < full.retry_in <= 30  # no slot frees before the earliest lease ends
    assert await ledger.in_use(key) == 3
    assert (await ledger.acquire(key + "-other", limit=3, lease=30)).slot  # keys are separate budgets


async def test_a_released_slot_cools_down_for_its_hold(ledger: SlotLedger, key: str) -> None:
    first = await ledger.acquire(key, limit=1, lease=30)
    assert first.slot is not None
    await ledger.release(key, first.slot, hold=0.3)
    cooling = await ledger.acquire(key, limit=1, lease=30)
    assert cooling.slot is None
    assert 0 < cooling.retry_in <= 0.3
    await anyio.sleep(0.4)
    assert (await ledger.acquire(key, limit=1, lease=30)).slot


async def test_a_slot_whose_holder_vanished_frees_after_its_lease(ledger: SlotLedger, key: str) -> None:
    assert (await ledger.acquire(key, limit=1, lease=0.2)).slot
    assert (await ledger.acquire(key, limit=1, lease=0.2)).slot is None
    await anyio.sleep(0.3)
    assert (await ledger.acquire(key, limit=1, lease=0.2)).slot


async def test_a_pause_grants_nothing_until_it_ends_and_only_lengthens(ledger: SlotLedger, key: str) -> None:
    await ledger.pause(key, 0.3)
    await ledger.pause(key, 0.05)  # a shorter pause does not cut the longer one
    paused = await ledger.acquire(key, limit=5, lease=30)
    assert paused.slot is None
    assert paused.paused
    assert 0.1 < paused.retry_in <= 0.3
    await anyio.sleep(0.4)
    assert (await ledger.acquire(key, limit=5, lease=30)).slot


async def test_concurrent_acquires_never_exceed_the_limit(ledger: SlotLedger, key: str) -> None:
    granted: list[str] = []

    async def contender() -> None:
        answer = await ledger.acquire(key, limit=4, lease=30)
        if answer.slot:
            granted.append(answer.slot)

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(contender)
    assert len(granted) == 4


def test_only_redis_is_shared_by_replicas() -> None:
    with pytest.raises(ConfigurationError, match="redis"):
        open_slot_ledger("sqlite:///tmp/x.sqlite3")
