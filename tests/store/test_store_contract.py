"""One contract for every storage backend: memory, SQLite and a real Redis.

Plans, approvals, single-use codes, locks with expiry and per-person logins are all built on these
operations, so each law here is one the callers rely on: expiry hides a key, `add` and `take` have
exactly one winner under contention, compare-and-set never overwrites a newer value.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.store.locate import check_store_url, default_store_url, open_store
from personalize_mcp.store.protocol import KeyValueStore, StoreError
from personalize_mcp.store.redis_store import masked_url

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return default_store_url(tmp_path / "home")
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[KeyValueStore]:
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
def key() -> str:
    """A key no other test (or xdist worker sharing nothing but the code) uses."""
    return f"test:{uuid.uuid4().hex}:"


async def test_a_value_is_read_back_whole_and_replaced(store: KeyValueStore, key: str) -> None:
    assert isinstance(store, KeyValueStore)
    assert await store.get(key) is None
    payload = bytes(range(256))
    await store.set(key, payload)
    assert await store.get(key) == payload
    await store.set(key, b"second")
    assert await store.get(key) == b"second"


async def test_an_expired_key_is_gone_for_every_operation(store: KeyValueStore, key: str) -> None:
    await store.set(key + "a", b"1", ttl=0.05)
    await store.set(key + "b", b"kept")
    await anyio.sleep(0.3)
    assert await store.get(key + "a") is None
    assert await store.keys(key) == [key + "b"]
    assert await store.take(key + "a") is None
    assert await store.add(key + "a", b"new")  # an expired key counts as absent
    assert await store.compare_and_set(key + "c", None, b"x", ttl=0.05)
    await anyio.sleep(0.3)
    assert await store.compare_and_set(key + "c", None, b"y")


async def test_add_writes_only_an_absent_key_and_has_one_winner(store: KeyValueStore, key: str) -> None:
    winners: list[int] = []

    async def contender(index: int) -> None:
        if await store.add(key, str(index).encode(), ttl=30):
            winners.append(index)

    async with anyio.create_task_group() as group:
        for index in range(20):
            group.start_soon(contender, index)
    assert len(winners) == 1
    assert await store.get(key) == str(winners[0]).encode()
    assert not await store.add(key, b"late")


async def test_take_hands_a_value_to_exactly_one_taker(store: KeyValueStore, key: str) -> None:
    await store.set(key, b"single-use code")
    taken: list[bytes] = []

    async def taker() -> None:
        value = await store.take(key)
        if value is not None:
            taken.append(value)

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(taker)
    assert taken == [b"single-use code"]
    assert await store.get(key) is None


async def test_compare_and_set_never_overwrites_a_newer_value(store: KeyValueStore, key: str) -> None:
    assert await store.compare_and_set(key, None, b"v1")
    assert not await store.compare_and_set(key, None, b"v1 again")
    assert not await store.compare_and_set(key, b"stale", b"v2")
    assert await store.get(key) == b"v1"
    assert await store.compare_and_set(key, b"v1", b"v2", ttl=60)
    assert await store.get(key) == b"v2"
    assert await store.compare_and_set(key, b"v2", None)  # None deletes
    assert await store.get(key) is None


async def test_delete_says_whether_there_was_something(store: KeyValueStore, key: str) -> None:
    await store.set(key, b"x")
    assert await store.delete(key)
    assert not await store.delete(key)


async def test_a_counter_counts_and_expires_from_its_first_count(store: KeyValueStore, key: str) -> None:
    counts = [await store.increment(key, ttl=0.3) for _ in range(3)]
    assert counts == [1, 2, 3]
    await anyio.sleep(0.5)
    assert await store.increment(key, ttl=10) == 1


async def test_keys_by_prefix_treat_wildcards_as_text(store: KeyValueStore, key: str) -> None:
    names = [key + "plan:a%b", key + "plan:a_c", key + "plan:*", key + "plan:[x]?", key + "planx", key + "other"]
    for name in names:
        await store.set(name, b"1")
    assert await store.keys(key + "plan:") == sorted(names[:4])
    assert await store.keys(key + "plan:a%") == [key + "plan:a%b"]
    assert await store.keys(key + "PLAN:") == []


_COUNTER_CHILD = """
import sys, anyio
from personalize_mcp.store.locate import open_store
async def main() -> None:
    store = open_store(sys.argv[1])
    for _ in range(int(sys.argv[3])):
        await store.increment(sys.argv[2], ttl=600)
    await store.aclose()
anyio.run(main)
"""


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_processes_sharing_a_backend_count_as_one(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    store_url = default_store_url(tmp_path) if backend == "sqlite" else str(request.getfixturevalue("redis_url"))
    key = f"test:{uuid.uuid4().hex}"
    children = [subprocess.Popen([sys.executable, "-c", _COUNTER_CHILD, store_url, key, "40"]) for _ in range(4)]
    for child in children:
        assert child.wait(timeout=60) == 0

    async def one_more() -> int:
        store = open_store(store_url)
        try:
            return await store.increment(key, ttl=600)
        finally:
            await store.aclose()

    assert anyio.run(one_more) == 161


def test_the_sqlite_file_and_its_folder_are_owner_only(tmp_path: Path) -> None:
    url = default_store_url(tmp_path / "home")

    async def write() -> None:
        store = open_store(url)
        await store.set("k", b"v")
        await store.aclose()

    anyio.run(write)
    path = tmp_path / "home" / "state.sqlite3"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_an_unusable_sqlite_file_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    store = open_store(f"sqlite:///{tmp_path / 'not-a-folder' / 'state.sqlite3'}")
    with pytest.raises(StoreError) as caught:
        anyio.run(store.get, "k")
    assert "cannot be opened" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_unreachable_redis_is_one_sentence_without_the_password() -> None:
    store = open_store("redis://user:s3cret@127.0.0.1:1/0")
    with pytest.raises(StoreError) as caught:
        anyio.run(store.get, "k")
    assert "s3cret" not in str(caught.value)
    assert "redis://user:***@127.0.0.1:1/0" in str(caught.value)


def test_store_urls_are_checked() -> None:
    assert check_store_url("redis://localhost:6379/0") == "redis://localhost:6379/0"
    assert masked_url("rediss://:pw@cache.example.com:6380/1") == "rediss://:***@cache.example.com:6380/1"
    for bad in ("postgres://db/x", "sqlite://", "nonsense"):
        with pytest.raises(ConfigurationError):
            check_store_url(bad)
