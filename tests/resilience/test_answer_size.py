"""Upstream answers are read within a size limit, decompressed in small pieces (issue 17, item 11):
a huge body, a gzip bomb and a trickling body cannot hold memory or the call past its deadline."""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import zlib

import httpx2
import pytest

from personalize_mcp.auth.protocol import StaticCredentials
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.connection.stack import Connection
from personalize_mcp.contentstack.bodies import DEFAULT_MAX_RESPONSE_BYTES
from personalize_mcp.contentstack.errors import Api, UnexpectedResponseError
from personalize_mcp.runtime.deadline import DeadlineExceededError, within_deadline
from tests.conftest import Sandbox
from tests.helpers import assert_one_sentence, call_error, call_ok

from .support import http_for, tool_client

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024


async def test_a_huge_body_is_refused_with_a_sentence_naming_the_api(sandbox: Sandbox) -> None:
    sandbox.state.huge_next("personalize", mb=64)
    started = time.monotonic()
    async with tool_client(sandbox.connection()) as client:
        message = await call_error(client, "list_projects")
        assert time.monotonic() - started < 3
        assert message.startswith("Contentstack's Personalize Management API sent an answer larger than 16 MiB")
        assert "--max-upstream-bytes" in message
        await call_ok(client, "list_projects")  # the next answer is read as usual


async def test_a_gzip_bomb_never_inflates_past_the_limit(sandbox: Sandbox) -> None:
    sandbox.state.huge_next("cma", mb=256, gzip=True)  # about 256 KB on the wire
    http = http_for(sandbox.connection())
    tracemalloc.start()
    try:
        with pytest.raises(UnexpectedResponseError) as caught:
            await http.get_json(Api.CMA, "/stacks")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await http.aclose()
    assert "CMS Management API sent an answer larger than 16 MiB" in caught.value.message
    assert_one_sentence(caught.value.message)
    assert peak < DEFAULT_MAX_RESPONSE_BYTES + 16 * MIB, f"peak {peak / MIB:.0f} MiB"


async def test_the_limit_counts_decompressed_bytes_without_a_content_length(sandbox: Sandbox) -> None:
    sandbox.state.huge_next("personalize", mb=3, gzip=True)
    http = http_for(sandbox.connection(), max_response_bytes=2 * MIB)
    try:
        with pytest.raises(UnexpectedResponseError, match="larger than 2 MiB"):
            await http.get_json(Api.PERSONALIZE, "/projects")
        sandbox.state.huge_next("personalize", mb=1, gzip=True)
        assert await http.get_json(Api.PERSONALIZE, "/projects") == []  # 1 MiB of valid JSON fits
    finally:
        await http.aclose()


async def test_a_trickling_body_ends_at_the_deadline(sandbox: Sandbox) -> None:
    sandbox.state.trickle_next("personalize", seconds=10, interval_ms=50)
    http = http_for(sandbox.connection())
    started = time.monotonic()
    try:
        with pytest.raises(DeadlineExceededError), within_deadline(0.5):
            await http.get_json(Api.PERSONALIZE, "/projects")
    finally:
        await http.aclose()
    assert time.monotonic() - started < 2


# -- encodings, through a scripted transport ------------------------------------------------------

PAYLOAD = [{"uid": f"p{i}", "name": "x" * (i % 300)} for i in range(3000)]
RAW = json.dumps(PAYLOAD).encode()


def scripted(body: bytes, encoding: str | None) -> Connection:
    def answer(request: httpx2.Request) -> httpx2.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        headers = {"content-type": "application/json"} | ({"content-encoding": encoding} if encoding else {})
        return httpx2.Response(200, stream=httpx2.ByteStream(body), headers=headers)  # as a socket gives it

    hosts = ConnectionOverrides(personalize_base_url="https://p.example", cma_base_url="https://c.example")
    return Connection(
        settings=ConnectionSettings.resolve(hosts),
        credentials=StaticCredentials("t", organization_uid="org"),
        transport=httpx2.MockTransport(answer),
    )


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (RAW, None),
        (RAW, "identity"),
        (gzip.compress(RAW), "gzip"),
        (gzip.compress(RAW), "x-gzip"),
        (zlib.compress(RAW), "deflate"),
        (raw_deflate(RAW), "deflate"),
    ],
    ids=["plain", "identity", "gzip", "x-gzip", "zlib-deflate", "raw-deflate"],
)
async def test_every_encoding_we_ask_for_is_read_whole(body: bytes, encoding: str | None) -> None:
    http = http_for(scripted(body, encoding))
    try:
        assert await http.get_json(Api.PERSONALIZE, "/projects") == PAYLOAD
    finally:
        await http.aclose()


@pytest.mark.parametrize(
    ("body", "encoding", "words"),
    [
        (b"\x1f\x8b not really gzip", "gzip", "cannot be decompressed"),
        (RAW, "br", "an encoding this server did not ask for"),
    ],
)
async def test_an_unreadable_encoding_is_one_sentence(body: bytes, encoding: str, words: str) -> None:
    http = http_for(scripted(body, encoding))
    try:
        with pytest.raises(UnexpectedResponseError) as caught:
            await http.get_json(Api.PERSONALIZE, "/projects")
    finally:
        await http.aclose()
    assert words in caught.value.message
    assert_one_sentence(caught.value.message)
