"""Three replicas of `serve --auth broker` behind one public URL, sharing a real Redis (`--store redis://`):
a person signed in through one is served by the others; one refresh per expiry across all of them; no
429 from a burst at the organisation's shared limit; and no login lost when a replica is killed
(`kill -9`) in the middle of renewing it."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import anyio
import httpx2
import pytest
import redis

from personalize_mcp.sandbox.data import BIG_STACK_API_KEY, MAIN_USER_EMAIL, MAIN_USER_UID, WEB_PROJECT_UID
from personalize_mcp.sandbox.people import ANALYST_USER_UID, DEVELOPER_USER_UID, PEOPLE_EMAILS
from tests.broker.support import Broker, MemoryTokens, Person, signed_in, start_replicas
from tests.conftest import Sandbox
from tests.helpers import call_ok

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def replicas(_served_sandbox: Sandbox, redis_url: str) -> Iterator[list[Broker]]:
    # No lookup cache: every call reaches Contentstack, so expiries and bursts show upstream.
    trio = start_replicas(3, _served_sandbox.origin, "--store", redis_url, "--no-cache")
    try:
        yield trio
    finally:
        codes = [replica.stop() for replica in trio]
        logs = [replica.log() for replica in trio]
        for replica in trio:
            replica.stderr.close()
        assert codes == [0, 0, 0], "\n".join(log[-2000:] for log in logs)


async def calls(
    replica: Broker, person: Person, tokens: MemoryTokens, count: int, tool: str = "list_projects", **arguments: str
) -> int:
    """`count` calls at once, each from a client of its own (one client's OAuth provider sends one request
    at a time), all with the person's tokens: a burst as a team's assistants make it."""
    done = 0

    async def one() -> None:
        nonlocal done
        async with signed_in(replica, person, tokens=tokens) as client:
            await call_ok(client, tool, arguments)
        done += 1

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(one)
    return done


async def distinct_calls(replica: Broker, person: Person, tokens: MemoryTokens, groups: list[str]) -> None:
    """One call per variant group, all at once: no two of them can share an upstream request."""
    async with anyio.create_task_group() as group:
        for uid in groups:
            group.start_soon(
                lambda uid=uid: calls(
                    replica, person, tokens, 1, "list_variants", stack_api_key=BIG_STACK_API_KEY, variant_group_uid=uid
                )
            )


async def test_signed_in_through_one_replica_served_by_the_others(replicas: list[Broker], sandbox: Sandbox) -> None:
    person, tokens = Person(MAIN_USER_UID), MemoryTokens()
    async with signed_in(replicas[0], person, tokens=tokens) as first:
        await call_ok(first, "list_projects")
    signed_once = len(person.hops)
    sandbox.state.clear_requests()
    for other in replicas[1:]:
        async with signed_in(other, person, tokens=tokens) as client:
            connection = await call_ok(client, "get_connection")
            assert connection["organization_uid"]
            await call_ok(client, "list_projects")
    assert len(person.hops) == signed_once  # nobody asked the person to sign in again
    assert {r.user for r in sandbox.state.request_log()} == {MAIN_USER_UID}


async def test_one_refresh_per_expiry_across_replicas(replicas: list[Broker], sandbox: Sandbox) -> None:
    person, tokens = Person(DEVELOPER_USER_UID), MemoryTokens()
    async with signed_in(replicas[0], person, tokens=tokens) as client:
        await call_ok(client, "list_projects")
    for expiry in (1, 2):
        before = sandbox.state.token_requests["refresh_token"]
        assert httpx2.post(f"{sandbox.origin}/_sandbox/tokens/expire").json()["expired"] >= 1
        async with anyio.create_task_group() as group:
            for replica in replicas:
                group.start_soon(calls, replica, person, tokens, 8)
        assert sandbox.state.token_requests["refresh_token"] == before + 1, f"expiry {expiry}"
    assert {r.status for r in sandbox.state.request_log() if r.user == DEVELOPER_USER_UID} <= {200, 401}


async def test_no_429_from_a_burst_at_the_shared_limit(replicas: list[Broker], sandbox: Sandbox) -> None:
    person, tokens = Person(ANALYST_USER_UID), MemoryTokens()
    async with signed_in(replicas[0], person, tokens=tokens) as client:
        await call_ok(client, "list_projects")
    groups = [g["uid"] for g in sandbox.state.data.variant_groups[BIG_STACK_API_KEY] if len(g["variants"]) <= 100]
    sandbox.state.rate_limit_per_second = 10  # Contentstack's: per organisation and API, whatever the replica
    sandbox.state.clear_requests()
    started = anyio.current_time()
    async with anyio.create_task_group() as group:
        for index, replica in enumerate(replicas):
            group.start_soon(distinct_calls, replica, person, tokens, groups[12 * index : 12 * (index + 1)])
    elapsed = anyio.current_time() - started
    log = [r for r in sandbox.state.request_log() if r.api == "cma"]
    assert len(log) == 36
    assert all(r.status == 200 for r in log), sorted({r.status for r in log})
    assert elapsed > 2.5  # 36 requests at 10 per second (plus the hold) cannot go faster


async def test_kill_9_mid_refresh_loses_no_login(sandbox: Sandbox, redis_url: str) -> None:
    doomed, survivor = start_replicas(2, sandbox.origin, "--store", redis_url, "--no-cache")
    try:
        person, tokens = Person(MAIN_USER_UID), MemoryTokens()
        async with signed_in(doomed, person, tokens=tokens) as client:
            await call_ok(client, "list_stacks")
        before = sandbox.state.token_requests["refresh_token"]
        sandbox.state.set_latency("oauth", 4000)  # Contentstack's token endpoint answers slowly
        httpx2.post(f"{sandbox.origin}/_sandbox/tokens/expire")
        leases = redis.Redis.from_url(redis_url)
        async with anyio.create_task_group() as group:
            group.start_soon(calls, doomed, person, tokens, 1, "list_stacks")
            with anyio.fail_after(10):  # the doomed replica holds the lease, waiting on Contentstack...
                while not leases.keys("personalize-mcp:broker:lease:*"):  # noqa: ASYNC110 - another process's key
                    await anyio.sleep(0.05)
            doomed.stop(signal.SIGKILL)  # ...and dies there
            group.cancel_scope.cancel()
        sandbox.state.set_latency("oauth", 0)
        with anyio.fail_after(20):
            assert await calls(survivor, person, tokens, 3, "list_stacks") == 3
        assert sandbox.state.token_requests["refresh_token"] == before + 1  # the dead one's never counted
        assert await calls(survivor, person, tokens, 1, "list_stacks") == 1  # and the login lives on
        assert not leases.keys("personalize-mcp:broker:lease:*")
    finally:
        sandbox.state.set_latency("oauth", 0)
        survivor.stop()
        doomed.stop(signal.SIGKILL)
        for replica in (doomed, survivor):
            replica.stderr.close()


async def test_the_team_journal_is_shared_by_replicas_and_a_colleague_undoes_a_change(
    sandbox: Sandbox, redis_url: str
) -> None:
    """Replicas sharing a store share the write tools' plans and the organisation's journal: what Dana changed
    through one replica, Priya lists (with Dana's name) and undoes as herself through another. (`--confirm
    token`: the test's clients cannot ask a person, and the undo is a delete.)"""
    first, second = start_replicas(2, sandbox.origin, "--store", redis_url, "--writes", "all", "--confirm", "token")
    try:
        change = {"action": "create_event", "key": "replicated_event", "description": "Across replicas"}
        async with signed_in(first, Person(MAIN_USER_UID)) as client:
            applied = await plan_and_apply(client, change)
        priya, tokens = Person(DEVELOPER_USER_UID), MemoryTokens()
        async with signed_in(first, priya, tokens=tokens) as client:  # signs in, then again to write
            await call_ok(client, "list_changes", {"project_uid": WEB_PROJECT_UID, "limit": 1})
        async with signed_in(second, priya, tokens=tokens) as client:
            query = {"query": applied["change_id"], "project_uid": WEB_PROJECT_UID}
            listed = await call_ok(client, "list_changes", query)
            sandbox.state.clear_requests()
            undo = await call_ok(client, "undo_change", {"change_id": applied["change_id"]})
            undone = await plan_and_apply(client, undo)
            after = await call_ok(client, "list_changes", {"project_uid": WEB_PROJECT_UID})
    finally:
        codes = [replica.stop() for replica in (first, second)]
        for replica in (first, second):
            replica.stderr.close()
    assert codes == [0, 0]
    (entry,) = listed["changes"]
    assert MAIN_USER_EMAIL in entry["actor"]
    deletes = [r for r in sandbox.state.request_log() if r.method == "DELETE" and r.api == "personalize"]
    assert [(r.user, r.status) for r in deletes] == [(DEVELOPER_USER_UID, 204)]
    assert not any(e["key"] == "replicated_event" for e in sandbox.state.data.events[WEB_PROJECT_UID])
    by_id = {c["change_id"]: c for c in after["changes"]}
    assert by_id[applied["change_id"]]["undone_by"] == undone["change_id"]
    assert PEOPLE_EMAILS[DEVELOPER_USER_UID] in by_id[undone["change_id"]]["actor"]


async def plan_and_apply(client: object, change_or_plan: dict[str, object]) -> dict[str, object]:
    """Apply `change_or_plan` (a change to plan first, or a plan already made) with its confirmation token."""
    planned = change_or_plan
    if "plan_id" not in change_or_plan:
        planned = await call_ok(client, "plan_change", {"project_uid": WEB_PROJECT_UID, "change": change_or_plan})  # type: ignore[arg-type]
    token = planned["confirmation"]["token"]  # type: ignore[index]
    return await call_ok(client, "apply_change", {"plan_id": planned["plan_id"], "confirmation_token": token})  # type: ignore[arg-type]
