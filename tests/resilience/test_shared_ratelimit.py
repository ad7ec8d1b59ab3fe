"""The replicas' rate limiter: the one-process limiter's rule, one budget across limiters sharing a
ledger (three "replicas" on one Redis), the deadline respected, a 429's pause seen by everyone."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator

import anyio
import pytest

from personalize_mcp.connection.shared_ratelimit import SharedRateLimiter
from personalize_mcp.contentstack.ratelimit import RateLimit
from personalize_mcp.runtime.deadline import DeadlineExceededError, within_deadline
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
def key() -> tuple[str, str]:
    return (f"org-{uuid.uuid4().hex}", "personalize")


async def test_never_more_than_the_limit_in_any_window_across_replicas(
    ledger: SlotLedger, key: tuple[str, str]
) -> None:
    limit = RateLimit(requests=3, window=0.1, margin=0.01)
    replicas = [SharedRateLimiter(ledger, limit) for _ in range(3)]
    rng = random.Random(25)
    spans: list[tuple[float, float]] = []

    async def request(limiter: SharedRateLimiter, duration: float) -> None:
        async with limiter.slot(key):
            start = anyio.current_time()
            await anyio.sleep(duration)
        spans.append((start, anyio.current_time()))

    async with anyio.create_task_group() as group:
        for index in range(18):
            group.start_soon(request, replicas[index % 3], rng.choice([0.0, 0.0, 0.01, 0.03]))
    assert len(spans) == 18
    for start, _ in spans:
        overlapping = [s for s, e in spans if s < start and e > start - limit.window]
        assert len(overlapping) < limit.requests, (start, overlapping)
    assert all(limiter.in_flight(key) == 0 for limiter in replicas)


async def test_a_wait_past_the_deadline_fails_at_once(ledger: SlotLedger, key: tuple[str, str]) -> None:
    limiter = SharedRateLimiter(ledger, RateLimit(requests=1, window=2.0, margin=0.0))
    async with limiter.slot(key):
        pass
    began = anyio.current_time()
    with pytest.raises(DeadlineExceededError, match="queued"), within_deadline(0.5):
        async with limiter.slot(key, reason="queued behind the limit"):
            pass
    assert anyio.current_time() - began < 0.3


async def test_a_pause_holds_every_replica(ledger: SlotLedger, key: tuple[str, str]) -> None:
    one, other = SharedRateLimiter(ledger, RateLimit(requests=5)), SharedRateLimiter(ledger, RateLimit(requests=5))
    one.pause(key, 0.3)
    await anyio.sleep(0.05)  # the pause is written in the background
    began = anyio.current_time()
    async with other.slot(key):
        waited = anyio.current_time() - began
    assert 0.15 < waited < 0.6
    assert await other.in_use(key) == 1
