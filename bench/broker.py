"""Each person as themselves (issue 25): what signing people in costs per call, and one budget across replicas.

    python bench/broker.py              # both, about a minute on 2 cores (needs redis-server on the PATH)
    python bench/broker.py --calls 200

1. **Tool-call time, broker against today's mode.** One sandbox process (no injected latency, its
   rate limit off); today's mode is `serve --transport http` with a stored account, on loopback
   without authentication and as today's shared server (`--oauth-issuer`: a JWT from a local issuer
   checked on every request); ours is `serve --transport http --auth broker` with one person signed
   in through the SDK client's OAuth provider (SQLite store, the default; and a Redis store). The
   same SDK client (2026-07-28, no session) calls `list_projects` back to back: *cold* with
   `--no-cache` (one upstream GET per call, calls spaced below 10/s so the limiter never waits),
   *warm* as shipped (answered from the cache).
   Median milliseconds per call, median of alternating rounds (the machine is shared); goal:
   broker ≤ 1.1 × today's.
2. **Upstream requests per second across three replicas under a burst.** Three processes sharing
   Contentstack's limit of 10 requests/s per organisation and API get 30 calls each at once, each
   from its own client and for its own variant group (`list_variants`: 90 distinct CMS GETs, none
   shared by single-flight), and send them to the sandbox, whose own limit is on. Ours: three broker
   replicas on one `--store redis://` (the shared limiter). Baseline in the same run: three
   servers of today's mode, each with its own in-process limiter. Reported: the most requests the
   sandbox received in any sliding second, and the 429s it answered. Goal: ≤ 10, no 429.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from harness import (
    ROOT,
    Sandbox,
    account_home,
    children_running,
    cpu_seconds,
    free_port,
    http_server,
    machine,
    ours_http,
    sandbox,
)

sys.path.insert(0, str(ROOT))
from tests.broker.support import (
    Broker,
    MemoryTokens,
    Person,
    signed_in,
    start_broker,
    start_replicas,
)
from tests.http.support import Issuer, serve_asgi_in_thread
from tests.redis_server import running_redis

from personalize_mcp.sandbox.data import BIG_STACK_API_KEY, MAIN_USER_UID, SandboxData, seed_data


def colourway_groups(data: SandboxData) -> list[str]:
    """The big stack's small variant groups: one upstream page each."""
    return [g["uid"] for g in data.variant_groups[BIG_STACK_API_KEY] if len(g["variants"]) <= 100]


COLOURWAY_GROUPS = colourway_groups(seed_data())


@contextmanager
def brokers(box: Sandbox, count: int, *flags: str) -> Iterator[list[Broker]]:
    started = [start_broker(box.origin, *flags)] if count == 1 else start_replicas(count, box.origin, *flags)
    try:
        yield started
    finally:
        for broker in started:
            broker.stop()
            broker.stderr.close()


@asynccontextmanager
async def todays_client(url: str, token: str | None = None) -> AsyncIterator[Client]:
    headers = {"authorization": f"Bearer {token}"} if token else None
    async with (
        httpx2.AsyncClient(timeout=60, headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


Figure = tuple[float, float]
"""Median wall milliseconds per call, and the server's CPU milliseconds per call."""


async def per_call_ms(client: Client, calls: int, spacing: float, pid: int) -> Figure:
    await client.call_tool("list_projects", {})  # the first use is not timed
    times = []
    cpu = cpu_seconds(pid)
    for _ in range(calls):
        started = time.perf_counter()
        result = await client.call_tool("list_projects", {})
        times.append((time.perf_counter() - started) * 1000)
        assert not result.is_error
        if spacing:
            await anyio.sleep(spacing)
    return statistics.median(times), (cpu_seconds(pid) - cpu) * 1000 / calls


async def todays_mode(home: Path, flags: list[str], calls: int, spacing: float, issuer: Issuer | None) -> Figure:
    """`serve --transport http` with the stored account: on loopback without auth, or as today's shared
    server (`--oauth-issuer`: a JWT checked per request, then the one stored login for everyone)."""
    port = free_port()
    command, env = ours_http(home, port)
    auth = ["--oauth-issuer", issuer.issuer] if issuer else []
    with http_server([*command, *flags, *auth], env, port) as url:
        token = issuer.token(aud=url) if issuer else None
        (pid,) = children_running(f"--port {port}")
        async with todays_client(url, token) as client:
            return await per_call_ms(client, calls, spacing, pid)


async def broker_mode(box: Sandbox, flags: list[str], calls: int, spacing: float) -> Figure:
    with brokers(box, 1, *flags) as (broker,):
        async with signed_in(broker, Person(MAIN_USER_UID)) as client:
            return await per_call_ms(client, calls, spacing, broker.process.pid)


async def call_times(box: Sandbox, home: Path, calls: int, rounds: int, redis_url: str) -> None:
    print(f"\n1. tool-call time ({calls} calls of list_projects, median ms; median of {rounds} alternating rounds)")
    box.rate_limit(None)
    issuer = Issuer(issuer="http://127.0.0.1")
    with serve_asgi_in_thread(issuer.asgi_app()) as origin:
        issuer.issuer = origin
        for label, flags, spacing in (("cold (--no-cache)", ["--no-cache"], 0.11), ("warm (cached)", [], 0.0)):
            runs: dict[str, list[Figure]] = {}
            for _ in range(rounds):
                runs.setdefault("today, loopback", []).append(await todays_mode(home, flags, calls, spacing, None))
                runs.setdefault("today, JWT", []).append(await todays_mode(home, flags, calls, spacing, issuer))
                runs.setdefault("broker, SQLite", []).append(await broker_mode(box, flags, calls, spacing))
                redis_flags = [*flags, "--store", redis_url]
                runs.setdefault("broker, Redis", []).append(await broker_mode(box, redis_flags, calls, spacing))
            walls = {name: statistics.median(wall for wall, _ in values) for name, values in runs.items()}
            cpus = {name: statistics.median(cpu for _, cpu in values) for name, values in runs.items()}
            print(f"   {label}, wall ms: " + ", ".join(f"{name} {value:.2f}" for name, value in walls.items()))
            spread = ", ".join(
                f"{name} {min(w for w, _ in v):.2f}-{max(w for w, _ in v):.2f}" for name, v in runs.items()
            )
            print(f"   {'':<18} spread of the rounds: {spread}")
            print(f"   {label}, server CPU ms: " + ", ".join(f"{name} {value:.2f}" for name, value in cpus.items()))
            for broker_name in ("broker, SQLite", "broker, Redis"):
                for today_name in ("today, loopback", "today, JWT"):
                    ratio = walls[broker_name] / walls[today_name]
                    cpu_ratio = cpus[broker_name] / cpus[today_name]
                    mark = "ok  " if ratio <= 1.1 else "MISS"
                    print(
                        f"   {mark} {label:<18} {broker_name:<15} / {today_name:<16} = {ratio:.2f}x wall (<= 1.1), "
                        f"{cpu_ratio:.2f}x server CPU"
                    )


def busiest_second(times: list[float]) -> int:
    times.sort()
    most, start = 0, 0
    for end, stamp in enumerate(times):
        while stamp - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def burst(urls: list[str], per_server: int, client_for: Any) -> tuple[float, int]:
    """Every call at once, each from a client of its own (an OAuth client sends one request at a time),
    each for its own variant group, so no two calls can share one upstream request."""
    groups = iter(COLOURWAY_GROUPS)
    failed = 0

    async def one(index: int, url: str, group_uid: str) -> None:
        nonlocal failed
        async with client_for(index, url) as client:
            arguments = {"stack_api_key": BIG_STACK_API_KEY, "variant_group_uid": group_uid}
            failed += (await client.call_tool("list_variants", arguments)).is_error

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for index, url in enumerate(urls):
            for _ in range(per_server):
                group.start_soon(one, index, url, next(groups))
    return time.perf_counter() - started, failed


def upstream_figures(box: Sandbox) -> tuple[int, int, int]:
    log = [r for r in box.log() if r["api"] == "cma"]
    return len(log), busiest_second([r["time"] for r in log]), sum(1 for r in log if r["status"] == 429)


async def replicas(box: Sandbox, home: Path, per_server: int, redis_url: str) -> None:
    print(f"\n2. upstream requests across 3 replicas under a burst ({per_server} calls at once each, --no-cache)")
    box.rate_limit(10)
    with ExitStack() as stack:
        urls = []
        for _ in range(3):
            port = free_port()
            command, env = ours_http(home, port)
            urls.append(stack.enter_context(http_server([*command, "--no-cache"], env, port)))
        box.clear_log()
        seconds, failed = await burst(urls, per_server, lambda index, url: todays_client(url))
        sent, busiest, refused = upstream_figures(box)
        print(
            f"   baseline: 3 x today's mode, limiter per process: {sent} requests in {seconds:.1f} s, "
            f"busiest second {busiest}, {refused} answered 429, {failed} calls failed"
        )
    await anyio.sleep(1.2)
    with brokers(box, 3, "--store", redis_url, "--no-cache") as trio:
        tokens = MemoryTokens()
        person = Person(MAIN_USER_UID)
        async with signed_in(trio[0], person, tokens=tokens) as client:
            await client.call_tool("get_connection", {})
        await anyio.sleep(1.2)
        box.clear_log()
        seconds, failed = await burst(
            [b.url for b in trio], per_server, lambda index, url: signed_in(trio[index], person, tokens=tokens)
        )
        sent, busiest, refused = upstream_figures(box)
        mark = "ok  " if busiest <= 10 and refused == 0 and failed == 0 else "MISS"
        print(
            f"   {mark} ours: 3 brokers on one Redis, shared limiter: {sent} requests in {seconds:.1f} s "
            f"({sent / seconds:.1f}/s), busiest second {busiest} (<= 10), {refused} answered 429 (0), "
            f"{failed} calls failed"
        )


async def main(args: argparse.Namespace) -> None:
    if shutil.which("redis-server") is None:
        raise SystemExit("bench/broker.py needs redis-server on the PATH (apt-get install redis-server)")
    print(f"{machine()}; {time.strftime('%Y-%m-%d')}")
    with (
        tempfile.TemporaryDirectory() as folder,
        running_redis(Path(folder)) as redis_url,
        sandbox() as box,
        account_home(box) as home,
    ):
        if "1" in args.only:
            await call_times(box, home, args.calls, args.rounds, redis_url)
        if "2" in args.only:
            await replicas(box, home, args.burst, redis_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of (1)")
    parser.add_argument("--burst", type=int, default=30, help="concurrent calls per server in (2)")
    parser.add_argument("--only", default="1,2")
    anyio.run(main, parser.parse_args())
