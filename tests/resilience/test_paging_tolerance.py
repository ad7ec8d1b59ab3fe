"""CMS paging against servers that do not page as documented: every item once, and an end.

contentstack-api.md §3 says: follow `skip` until `count` is reached or a short page comes. A server
that ignores `skip` (or lists an item twice as items are added between two requests) must not
make us list items twice or walk 200 pages of the same items.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import httpx2
import pytest

from personalize_mcp.connection.sandbox import sandbox_connection
from personalize_mcp.connection.stack import Connection
from personalize_mcp.contentstack.cms import CMSAPI

from .support import http_for

pytestmark = pytest.mark.anyio

STACK = "blt0123456789abcdef"


def groups(start: int, stop: int) -> list[dict[str, object]]:
    return [{"uid": f"cs{n:016x}", "name": f"Group {n}"} for n in range(start, stop)]


def cms(answer: Callable[[int], dict[str, object]], skips: list[int]) -> Connection:
    """A CMS whose variant-group list answers `answer(skip)`; records each request's skip."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        skip = int(request.url.params.get("skip", "0"))
        skips.append(skip)
        return httpx2.Response(200, json=answer(skip))

    return dataclasses.replace(sandbox_connection(), transport=httpx2.MockTransport(handler))


async def list_group_uids(connection: Connection) -> list[str]:
    http = http_for(connection)
    try:
        return [group.uid for group in await CMSAPI(http).list_variant_groups(STACK)]
    finally:
        await http.aclose()


async def test_a_server_ignoring_skip_with_a_count_gives_each_item_once() -> None:
    skips: list[int] = []
    uids = await list_group_uids(cms(lambda skip: {"variant_groups": groups(0, 100), "count": 250}, skips))
    assert uids == [g["uid"] for g in groups(0, 100)]
    assert sorted(skips) == [0, 100, 200]


async def test_a_server_ignoring_skip_without_a_count_stops_at_the_first_page_with_nothing_new() -> None:
    skips: list[int] = []
    uids = await list_group_uids(cms(lambda skip: {"variant_groups": groups(0, 100)}, skips))
    assert len(uids) == 100
    assert skips == [0, 100]


async def test_overlapping_pages_list_an_item_once() -> None:
    # An item was added at the front between two requests: the second page repeats the last item.
    def answer(skip: int) -> dict[str, object]:
        return {"variant_groups": groups(0, 100) if skip == 0 else groups(99, 150)}

    skips: list[int] = []
    uids = await list_group_uids(cms(answer, skips))
    assert uids == [g["uid"] for g in groups(0, 150)]
    assert skips == [0, 100]


async def test_pages_without_a_count_are_followed_to_a_short_page() -> None:
    everything = groups(0, 230)
    skips: list[int] = []
    uids = await list_group_uids(cms(lambda skip: {"variant_groups": everything[skip : skip + 100]}, skips))
    assert uids == [g["uid"] for g in everything]
    assert skips == [0, 100, 200]
