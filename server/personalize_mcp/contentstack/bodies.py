"""Upstream bodies: read as a stream, decompressed here, bounded in size, then parsed as JSON.

Bodies are decompressed here (gzip or deflate, the encodings we ask for), in pieces of at most 64 KiB,
counting as they come: a body larger than the limit (`max_response_bytes`) once decompressed is
abandoned at that point with one sentence naming the API, so neither a huge answer nor a small
"zip bomb" can hold more than that in memory.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2

from personalize_mcp.contentstack.errors import Api, UnexpectedResponseError

logger = logging.getLogger(__name__)

DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""Most bytes one upstream answer may have once decompressed (`serve --max-upstream-bytes`).
Far above any list we read (a thousand audiences with long rules is a few MB), far below
what would hurt a laptop."""
ACCEPTED_ENCODINGS = "gzip, deflate"
"""Only what `read_body` decodes itself, so no encoding can skip its size count."""
_PIECE = 64 * 1024


@dataclass(frozen=True, slots=True)
class UpstreamAnswer:
    """An upstream answer, read whole (and within the size limit)."""

    status: int
    headers: httpx2.Headers
    body: bytes


async def read_body(api: Api, response: httpx2.Response, limit: int) -> bytes:
    """The whole body, decompressed, or one sentence once it passes `limit` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(api, response.status_code, limit)
    if response.is_stream_consumed:  # read whole (and decoded) by the transport, as test doubles do
        if len(response.content) > limit:
            raise _too_large(api, response.status_code, limit)
        return response.content
    decoder = _decoder_for(api, response)
    pieces: list[bytes] = []
    size = 0
    try:
        async for raw in response.aiter_raw():
            for piece in decoder.feed(raw):
                size += len(piece)
                if size > limit:
                    raise _too_large(api, response.status_code, limit)
                pieces.append(piece)
    except zlib.error:
        raise UnexpectedResponseError(
            f"Contentstack's {api.display_name} returned a compressed response that cannot be decompressed "
            f"(HTTP {response.status_code}); try again shortly.",
            api=api,
            status=response.status_code,
        ) from None
    return b"".join(pieces)


def parse_json(api: Api, answer: UpstreamAnswer) -> Any:
    """The answer's body as JSON, or one sentence when it is not."""
    try:
        return json.loads(answer.body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond the parser's depth
        raise UnexpectedResponseError(
            f"Contentstack's {api.display_name} returned a response that is not valid JSON "
            f"(HTTP {answer.status}); try again shortly.",
            api=api,
            status=answer.status,
        ) from None


def _too_large(api: Api, status: int, limit: int) -> UnexpectedResponseError:
    shown = f"{limit / (1024 * 1024):g} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
    logger.warning("%s answer (HTTP %d) larger than %s: abandoned", api.display_name, status, shown)
    return UnexpectedResponseError(
        f"Contentstack's {api.display_name} sent an answer larger than {shown} (HTTP {status}), more than this "
        "server reads from one request; raise serve --max-upstream-bytes if the account is that large.",
        api=api,
        status=status,
    )


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), _PIECE):
            yield data[start : start + _PIECE]


class _Inflate:
    """zlib/gzip/raw-deflate decoding that never makes more than `_PIECE` bytes in one step."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflater = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback  # "deflate" is zlib-wrapped by the spec, raw by some servers
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data:
            self._started = True
            if self._raw_fallback and not _zlib_header(data):
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        while not self._inflater.eof:
            piece = self._inflater.decompress(data, _PIECE)
            data = self._inflater.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < _PIECE:
                return  # input used up and no output pending (a full piece may leave some behind)


def _zlib_header(data: bytes) -> bool:
    """RFC 1950's two header bytes: deflate, and a check value that divides by 31."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _decoder_for(api: Api, response: httpx2.Response) -> _Identity | _Inflate:
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if not encodings:
        return _Identity()
    if encodings in (["gzip"], ["x-gzip"]):
        return _Inflate(16 + zlib.MAX_WBITS)
    if encodings == ["deflate"]:
        return _Inflate(zlib.MAX_WBITS, raw_fallback=True)
    raise UnexpectedResponseError(
        f"Contentstack's {api.display_name} answered in an encoding this server did not ask for "
        f"(HTTP {response.status_code}); try again shortly.",
        api=api,
        status=response.status_code,
    )
