"""What a model reads of tools/list, per tool and per toolset, in bytes (issue 23).

    python bench/tool_sizes.py                          # the tools as served now
    python bench/tool_sizes.py --baseline-rev afcadbc   # next to the tools snapshot of another commit
    python bench/tool_sizes.py --json sizes.json

A model reads each tool's name, description and input schema before the first question. Each is
measured as the compact JSON (UTF-8) of `{"name", "description", "inputSchema"}`, the whole list as
that of the array of them (CONTRACT.md's budget: 24,000 bytes for the default set). The tools are
read from the real `personalize-mcp serve --sandbox` over stdio, through the SDK's `Client`; the
baseline is a reviewed `tests/snapshots/tools_list.json` from git, which holds the same three fields.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, TextIO

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = "tests/snapshots/tools_list.json"
TOOLSETS = ("core", "catalogue", "results", "simulation", "insights")


def size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def read_by_a_model(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": t["name"], "description": t["description"], "inputSchema": t["inputSchema"]} for t in tools]


async def served_tools(toolsets: str | None, quiet: TextIO) -> list[dict[str, Any]]:
    flags = ["--toolsets", toolsets] if toolsets else []
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "personalize_mcp", "serve", "--sandbox", *flags], cwd=str(ROOT)
    )
    async with Client(stdio_client(params, errlog=quiet)) as client:
        tools = (await client.list_tools()).tools
    return [{"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in tools]


def baseline_tools(rev: str) -> list[dict[str, Any]]:
    shown = subprocess.run(
        ["git", "show", f"{rev}:{SNAPSHOT}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return read_by_a_model(json.loads(shown))


async def measure(baseline_rev: str | None, quiet: TextIO) -> dict[str, Any]:
    now = read_by_a_model(await served_tools(None, quiet))
    toolset_of = {t["name"]: name for name in TOOLSETS for t in await served_tools(name, quiet)}
    before = {t["name"]: t for t in baseline_tools(baseline_rev)} if baseline_rev else {}
    rows = [
        {
            "tool": t["name"],
            "toolset": toolset_of.get(t["name"], "?"),
            "before": size(before[t["name"]]) if t["name"] in before else None,
            "after": size(t),
            "schema_before": size(before[t["name"]]["inputSchema"]) if t["name"] in before else None,
            "schema_after": size(t["inputSchema"]),
        }
        for t in now
    ]
    per_toolset = {name: size([t for t in now if toolset_of.get(t["name"]) == name]) for name in TOOLSETS}
    return {
        "baseline_rev": baseline_rev,
        "rows": rows,
        "total_before": size(list(before.values())) if before else None,
        "total_after": size(now),
        "per_toolset": per_toolset,
    }


def report(figures: dict[str, Any]) -> str:
    def ratio(before: int | None, after: int) -> str:
        return f"{after / before:.2f}" if before else "—"

    lines = [
        "| tool | toolset | before | after | after / before | input schema before → after |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in sorted(figures["rows"], key=lambda row: (TOOLSETS.index(row["toolset"]), row["tool"])):
        lines.append(
            f"| `{row['tool']}` | {row['toolset']} | {row['before'] or '—'} | {row['after']} | "
            f"{ratio(row['before'], row['after'])} | {row['schema_before'] or '—'} → {row['schema_after']} |"
        )
    total_before, total_after = figures["total_before"], figures["total_after"]
    lines.append(
        f"| **tools/list, default set** | all | **{total_before or '—'}** | **{total_after}** | "
        f"**{ratio(total_before, total_after)}** | |"
    )
    lines.append("")
    lines.append(
        "Each toolset alone (`--toolsets NAME`), bytes: "
        + ", ".join(f"{name} {value}" for name, value in figures["per_toolset"].items())
        + "."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-rev", help="a commit whose tools snapshot is the baseline (default: none)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with open(os.devnull, "w") as quiet:  # the servers' start-up lines
        figures = anyio.run(measure, args.baseline_rev, quiet)
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
