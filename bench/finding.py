"""How the benchmarks take what they need from the server's answers, and how they fail.

Things are found by name (or by the id an earlier answer gave), and lists are walked to their end by
`next_cursor`: never the first item, never page one. The sandbox grows (the audit demo added a
project and a stack, lists page at 50), and a benchmark that took `stacks[0]` measured the wrong
stack, then stopped with a `KeyError` deep in a task group. Here a missing thing is a `BenchFailure`,
and `run_main` prints it as one line naming what was missing, then exits 1.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp_types import CallToolResult, TextContent

MAX_PAGES = 1000
"""A walk that has not ended after this many pages is a cursor that never ends: a failure, not a hang."""


class BenchFailure(Exception):
    """What a benchmark could not find or do, in one line."""


def text_of(result: CallToolResult) -> str:
    return "".join(block.text for block in result.content if isinstance(block, TextContent))


async def call(client: Client, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tool's structured result; an error result is a `BenchFailure` quoting the server's sentence."""
    result = await client.call_tool(tool, arguments or {})
    if result.is_error:
        raise BenchFailure(f"{tool}({_shown(arguments)}) answered an error: {text_of(result)}")
    if isinstance(result.structured_content, dict):
        return result.structured_content
    return {"text": text_of(result)}


async def walk(client: Client, tool: str, key: str, **arguments: Any) -> list[dict[str, Any]]:
    """Every item of a list tool's answer under `key`, following `next_cursor` to the last page."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await call(client, tool, {**arguments, **({"cursor": cursor} if cursor else {})})
        if not isinstance(page.get(key), list):
            raise BenchFailure(f"{tool}({_shown(arguments)}) has no list {key!r} in its answer")
        items += page[key]
        cursor = page.get("next_cursor")
        if not cursor:
            return items
    raise BenchFailure(f"{tool}({_shown(arguments)}) still had a next_cursor after {MAX_PAGES} pages")


def named(items: Iterable[dict[str, Any]], value: str, what: str, *, field: str = "name") -> dict[str, Any]:
    """The one item whose `field` is `value`; none (or several) is a `BenchFailure` naming what was looked for."""
    seen = list(items)
    found = [item for item in seen if item.get(field) == value]
    if len(found) == 1:
        return found[0]
    there = ", ".join(repr(item.get(field)) for item in seen[:8]) + (", ..." if len(seen) > 8 else "")
    if not found:
        raise BenchFailure(f"no {what} with {field} {value!r} (the {len(seen)} there: {there or 'none'})")
    raise BenchFailure(f"{len(found)} {what}s with {field} {value!r}; the benchmark needs exactly one")


def _shown(arguments: dict[str, Any] | None) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in (arguments or {}).items())


def failure_in(error: BaseException) -> BenchFailure | None:
    """The `BenchFailure` behind `error`, however deep the task groups that wrapped it."""
    if isinstance(error, BenchFailure):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = failure_in(inner)
            if found is not None:
                return found
    return None


def run_main(main: Callable[[Any], Awaitable[None]], args: Any) -> None:
    """`anyio.run(main, args)`; a `BenchFailure` anywhere inside is one line on stderr and exit status 1."""
    try:
        anyio.run(main, args)
    except BaseException as error:
        failure = failure_in(error)
        if failure is None:
            raise
        print(f"{Path(sys.argv[0]).name}: {failure}", file=sys.stderr)
        raise SystemExit(1) from None
