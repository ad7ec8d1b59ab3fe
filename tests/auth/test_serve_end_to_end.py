"""The whole loop as users run it: `personalize-mcp login` (subprocess, consent completed as a
browser would) → `personalize-mcp serve` over stdio with only PERSONALIZE_MCP_HOME → tools work →
tokens expire → transparent refresh; concurrent calls, two servers, a revoked grant, logout."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from personalize_mcp.sandbox import data
from tests.auth.helpers import Sandbox, subprocess_env
from tests.auth.test_cli import cli, login
from tests.helpers import CONTRACT_TOOLS, call_error, call_ok, text_of

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def serve(home: Path, *args: str) -> AsyncIterator[Client]:
    """`personalize-mcp serve` over stdio, with nothing in its environment but the home folder."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "personalize_mcp", "serve", *args],
        env=subprocess_env({"PERSONALIZE_MCP_HOME": str(home)}),
    )
    async with Client(params) as client:
        yield client


def stored_tokens(home: Path) -> list[str]:
    found = []
    for path in (home / "accounts").glob("*.json"):
        saved = json.loads(path.read_text())
        found += [saved["access_token"], saved["refresh_token"]]
    return found


async def project_uids(client: Client) -> set[str]:
    return {p["uid"] for p in (await call_ok(client, "list_projects"))["projects"]}


# The server caches lookup lists for 30 s, so each step below asks for something not asked before:
# every step reaches the sandbox with the token of that moment.
MAIN_PROJECTS = (data.WEB_PROJECT_UID, data.MOBILE_PROJECT_UID)


def upstream_401s(sandbox: Sandbox) -> int:
    with sandbox.state.lock:
        return sum(1 for r in sandbox.state.requests if r.status == 401)


async def test_login_then_serve_with_only_the_home_folder(sandbox: Sandbox, home: Path) -> None:
    done = login(sandbox, home)
    assert done.returncode == 0, done.stderr
    async with serve(home) as client:
        assert data.WEB_PROJECT_UID in await project_uids(client)
        stacks = await call_ok(client, "list_stacks")
        assert data.MAIN_STACK_API_KEY in {s["api_key"] for s in stacks["stacks"]}
        assert sandbox.token_requests("refresh_token") == 0

        # Upstream stops accepting the token: the next call refreshes once and succeeds (a tool
        # may send several requests at once; each 401 is answered by that one refresh).
        sandbox.state.expire_access_tokens()
        await call_ok(client, "get_all_audiences", {"project_uid": MAIN_PROJECTS[0]})
        assert sandbox.token_requests("refresh_token") == 1
        assert upstream_401s(sandbox) >= 1

        # Again, and this time the renewed token lives 30 s: less than the one-minute margin.
        sandbox.set(access_token_ttl=30)
        sandbox.state.expire_access_tokens()
        await call_ok(client, "get_all_experiences", {"project_uid": MAIN_PROJECTS[0]})
        rejected, renewals = upstream_401s(sandbox), sandbox.token_requests("refresh_token")
        assert renewals >= 2

        # It is used as it is (renewed only when a quarter of its life is left, not on every
        # request), and upstream accepts it.
        await call_ok(client, "get_all_audiences", {"project_uid": MAIN_PROJECTS[1]})
        assert sandbox.token_requests("refresh_token") == renewals
        assert upstream_401s(sandbox) == rejected
        sandbox.set(access_token_ttl=3600)
        await call_ok(client, "get_all_experiences", {"project_uid": MAIN_PROJECTS[1]})
        renewals = sandbox.token_requests("refresh_token")

    # What the server stored is what the next process uses: the rotated refresh token.
    async with serve(home) as client:
        sandbox.state.expire_access_tokens()
        assert data.WEB_PROJECT_UID in await project_uids(client)
        assert sandbox.token_requests("refresh_token") == renewals + 1


async def test_twenty_concurrent_tool_calls_on_an_expired_token_refresh_once(sandbox: Sandbox, home: Path) -> None:
    assert login(sandbox, home).returncode == 0
    async with serve(home) as client:
        experiences = await call_ok(client, "get_all_experiences", {"project_uid": MAIN_PROJECTS[0]})
        calls: list[tuple[str, dict[str, str]]] = [("list_projects", {}), ("list_stacks", {})]
        calls += [("get_all_audiences", {"project_uid": p}) for p in MAIN_PROJECTS]
        calls += [("get_all_experiences", {"project_uid": MAIN_PROJECTS[1]})]
        calls += [
            ("get_all_versions", {"project_uid": MAIN_PROJECTS[0], "experience_uid": e["uid"]})
            for e in experiences["experiences"]
        ]
        calls += [("list_variant_groups", {"stack_api_key": data.MAIN_STACK_API_KEY})]
        calls = (calls * 2)[:20]
        sandbox.state.expire_access_tokens()
        sandbox.state.set_latency("oauth", 200)
        failures: list[str] = []

        async def one(name: str, arguments: dict[str, str]) -> None:
            result = await client.call_tool(name, arguments)
            if result.is_error:
                failures.append(f"{name}: {text_of(result)}")

        async with anyio.create_task_group() as tg:
            for name, arguments in calls:
                tg.start_soon(one, name, arguments)
    assert failures == []
    assert upstream_401s(sandbox) > 1  # many requests met the expired token at once...
    assert sandbox.token_requests("refresh_token") == 1  # ...and one refresh served them all


async def test_two_servers_on_one_account_refresh_once(sandbox: Sandbox, home: Path) -> None:
    assert login(sandbox, home).returncode == 0
    async with serve(home) as first, serve(home) as second:
        assert data.WEB_PROJECT_UID in await project_uids(first)
        assert data.WEB_PROJECT_UID in await project_uids(second)
        sandbox.state.expire_access_tokens()  # rotation is on: a reused refresh token would log both out
        sandbox.state.set_latency("oauth", 300)
        answers: list[set[str]] = []

        async def use(client: Client, project_uid: str) -> None:
            answers.append(await call_ok(client, "get_all_audiences", {"project_uid": project_uid}))

        async with anyio.create_task_group() as tg:
            for client in (first, second):
                for project_uid in MAIN_PROJECTS:
                    tg.start_soon(use, client, project_uid)
        assert len(answers) == 4
        assert upstream_401s(sandbox) >= 2  # both servers met the expired token
        assert sandbox.token_requests("refresh_token") == 1
        # Both keep working afterwards (the grant was not revoked by a reused refresh token).
        sandbox.state.set_latency("oauth", 0)
        await call_ok(first, "list_stacks")
        await call_ok(second, "list_stacks")
        sandbox.state.expire_access_tokens()
        await call_ok(first, "get_all_experiences", {"project_uid": MAIN_PROJECTS[0]})
        await call_ok(second, "get_all_experiences", {"project_uid": MAIN_PROJECTS[1]})
        assert sandbox.token_requests("refresh_token") == 2


async def test_revoked_grant_answers_with_the_login_sentence(sandbox: Sandbox, home: Path) -> None:
    assert login(sandbox, home, "--account", "work").returncode == 0
    async with serve(home, "--account", "work") as client:
        assert data.WEB_PROJECT_UID in await project_uids(client)
        sandbox.state.revoke_all_grants()
        message = await call_error(client, "list_stacks")
        assert "account 'work'" in message
        assert "`personalize-mcp login --account work`" in message
        for token in stored_tokens(home):
            assert token not in message


async def test_after_logout_serve_starts_and_every_tool_names_login(sandbox: Sandbox, home: Path) -> None:
    assert login(sandbox, home).returncode == 0
    assert cli(home, "logout").returncode == 0
    async with serve(home) as client:
        tools = (await client.list_tools()).tools
        assert len(tools) == len(CONTRACT_TOOLS)
        for name in ("list_projects", "list_stacks"):
            message = await call_error(client, name)
            assert "personalize-mcp login" in message
        result = await client.call_tool("get_all_audiences", {"project_uid": data.WEB_PROJECT_UID})
        assert result.is_error
        assert "personalize-mcp login" in text_of(result)
