"""Fewer round trips: lists already cached answer for their items; listening sockets are TCP so
asyncio turns Nagle off (the speed itself is measured in bench/, not here)."""

from __future__ import annotations

import socket

import pytest

from personalize_mcp.runtime.cache import TTLCache
from personalize_mcp.sandbox import data
from personalize_mcp.sandbox.server import bind_socket
from personalize_mcp.transport.http_options import HTTPOptions
from personalize_mcp.transport.uvicorn_server import listen
from tests.conftest import Sandbox
from tests.helpers import call_ok

from .support import tool_client

WEB, STACK = data.WEB_PROJECT_UID, data.MAIN_STACK_API_KEY


def paths(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.state.request_log()]


@pytest.mark.anyio
async def test_a_single_experience_comes_from_the_cached_list(sandbox: Sandbox) -> None:
    async with tool_client(sandbox.connection()) as client:
        await call_ok(client, "get_all_experiences", {"project_uid": WEB})
        sandbox.state.clear_requests()
        one = await call_ok(
            client, "get_single_experience", {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID}
        )
        assert one["experience"]["uid"] == data.HERO_EXPERIENCE_UID
        assert paths(sandbox) == []
        await call_ok(client, "get_single_experience", {"project_uid": data.MOBILE_PROJECT_UID,
                                                        "experience_uid": data.ONBOARDING_EXPERIENCE_UID})  # fmt: skip
        assert paths(sandbox) == [f"/experiences/{data.ONBOARDING_EXPERIENCE_UID}"]  # no list cached: one GET


@pytest.mark.anyio
async def test_a_variant_link_comes_from_the_cached_list_or_is_cached_itself(sandbox: Sandbox) -> None:
    group = {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID}
    async with tool_client(sandbox.connection()) as client:
        await call_ok(client, "list_variants", group)
        sandbox.state.clear_requests()
        await call_ok(client, "get_variant_audiences", {**group, "variant_uid": data.HERO_MOBILE_VARIANT_UID})
        assert not any(p.startswith("/v3/") for p in paths(sandbox))  # the list held the variant's link
    async with tool_client(sandbox.connection()) as client:
        sandbox.state.clear_requests()
        arguments = {**group, "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID}
        await call_ok(client, "get_variant_audiences", arguments)
        await call_ok(client, "get_variant_audiences", arguments)
        single = f"/v3/variant_groups/{data.HERO_VARIANT_GROUP_UID}/variants/{data.HERO_AUSTRALIA_VARIANT_UID}"
        assert paths(sandbox).count(single) == 1


def test_peek_never_fetches_and_respects_the_ttl() -> None:
    now = [0.0]
    cache = TTLCache(30, clock=lambda: now[0])
    assert cache.peek("k") is None
    cache._store("k", [1])
    assert cache.peek("k") == [1]
    now[0] = 31
    assert cache.peek("k") is None


def test_listening_sockets_are_tcp_so_asyncio_turns_nagle_off() -> None:
    with bind_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP
    with listen(HTTPOptions(port=0)) as sock:
        assert sock.proto == socket.IPPROTO_TCP
