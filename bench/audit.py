"""Audit benchmark (issue 15): one audit_project call against the fan-out the old audit prompt caused.

    python bench/audit.py                    # k = 100 (500 audiences, 200 experiences): about 2 minutes
    python bench/audit.py --scales 10,100    # several scales
    python bench/audit.py --scales 1 --quick # a smoke run (tests/resilience/test_bench_smoke.py)

For each scale k the sandbox runs as its own process serving a generated account (`--scale k`,
sandbox/generated.py) with Contentstack's rate limit (10 requests/s per organisation and API) on; our
server is the real `personalize-mcp serve` over stdio with a stored account, driven by the SDK's
`Client`. Each side starts on a fresh server (nothing cached):

- **prompt**: what the old `audit_project` prompt told the model to do -- walk get_all_audiences and
  get_all_experiences by cursor, then get_all_versions for every experience -- one call after the
  other, as a model makes them: tool calls, bytes of JSON text the model had to read (tokens ≈
  bytes / 2.5), upstream requests and wall time (the model's own thinking between calls not counted);
- **audit, cold**: one audit_project call: wall time, upstream requests, bytes of its answer
  (the first page), how many experiences it audited; then every further page of findings by cursor;
- **audit, warm**: the same call again at once: wall time and upstream requests (the goal: none).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import anyio
from mcp import Client
from mcp_types import CallToolResult, TextContent

from finding import BenchFailure, run_main
from harness import Sandbox, account_home, code_version, machine, ours_stdio, sandbox

BYTES_PER_TOKEN = 2.5


def text_of(result: CallToolResult) -> str:
    return "".join(block.text for block in result.content if isinstance(block, TextContent))


@dataclass
class Side:
    calls: int = 0
    bytes: int = 0
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return round(self.bytes / BYTES_PER_TOKEN)


class Counter:
    """Tool calls made through one client, with the bytes of text they answered."""

    def __init__(self, client: Client, side: Side) -> None:
        self.client, self.side = client, side

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        text = text_of(result)
        self.side.calls += 1
        self.side.bytes += len(text.encode())
        if result.is_error:
            self.side.errors += 1
            return {}
        body = json.loads(text)
        return body if isinstance(body, dict) else {}

    async def walk(self, tool: str, arguments: dict[str, Any], key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            body = await self.call(tool, {**arguments, **({"cursor": cursor} if cursor else {})})
            items += body.get(key, [])
            cursor = body.get("next_cursor")
            if not cursor:
                return items


def upstream(box: Sandbox) -> int:
    return sum(1 for r in box.log() if r["api"] in ("personalize", "cma"))


async def the_prompt(box: Sandbox, home: Any, project: str) -> Side:
    side = Side()
    async with Client(ours_stdio(home)) as client:
        await client.list_tools()
        box.clear_log()
        counter = Counter(client, side)
        started = time.perf_counter()
        await counter.walk("get_all_audiences", {"project_uid": project}, "audiences")
        experiences = await counter.walk("get_all_experiences", {"project_uid": project}, "experiences")
        for experience in experiences:
            await counter.call("get_all_versions", {"project_uid": project, "experience_uid": experience["uid"]})
        side.seconds = time.perf_counter() - started
        side.requests = upstream(box)
    return side


async def the_audit(box: Sandbox, home: Any, project: str) -> tuple[Side, Side, Side]:
    cold, pages, warm = Side(), Side(), Side()
    async with Client(ours_stdio(home)) as client:
        await client.list_tools()
        box.clear_log()
        started = time.perf_counter()
        first = await Counter(client, cold).call("audit_project", {"project_uid": project})
        cold.seconds = time.perf_counter() - started
        cold.requests = upstream(box)
        cold.extra = {
            "summary": first.get("summary"),
            "findings": first.get("total"),
            "counts": first.get("counts"),
            "audited": first.get("experiences_audited"),
            "experiences": first.get("experiences_total"),
        }
        box.clear_log()
        started = time.perf_counter()
        await Counter(client, warm).call("audit_project", {"project_uid": project})
        warm.seconds = time.perf_counter() - started
        warm.requests = upstream(box)
        counter, cursor = Counter(client, pages), first.get("next_cursor")
        started = time.perf_counter()
        while cursor:
            cursor = (await counter.call("audit_project", {"project_uid": project, "cursor": cursor})).get(
                "next_cursor"
            )
        pages.seconds = time.perf_counter() - started
    return cold, pages, warm


@dataclass
class Run:
    k: int
    counts: dict[str, int]
    prompt: Side
    audit: Side
    pages: Side
    warm: Side


async def run_scale(k: int, seed: int) -> Run:
    with sandbox("--scale", str(k), "--seed", str(seed)) as box, account_home(box) as home:
        summary = box.scale()
        if summary is None:
            raise BenchFailure(f"the sandbox did not load the generated account of scale {k}")
        project = summary["notable"]["project_uid"]
        prompt = await the_prompt(box, home, project)
        await anyio.sleep(1.1)  # let the sandbox's rate window empty
        audit, pages, warm = await the_audit(box, home, project)
        return Run(k, summary["counts"], prompt, audit, pages, warm)


def report(runs: list[Run]) -> None:
    for run in runs:
        c = run.counts
        print(
            f"\n### k = {run.k}: {c['audiences']:,} audiences, {c['experiences']:,} experiences "
            f"({c['versions']:,} versions)\n"
        )
        print("| | tool calls | bytes read (≈ tokens) | upstream requests | wall s |")
        print("|---|---:|---:|---:|---:|")
        for label, side in (
            ("old prompt's fan-out", run.prompt),
            ("audit_project, one cold call", run.audit),
            ("audit_project, its other pages", run.pages),
            ("audit_project, warm (again at once)", run.warm),
        ):
            print(
                f"| {label} | {side.calls:,} | {side.bytes:,} ({side.tokens:,}) | {side.requests:,} "
                f"| {side.seconds:.2f} |"
            )
        p, a = run.prompt, run.audit
        print(
            f"\nOne cold audit / the prompt's fan-out: {a.calls / p.calls:.3f} of the tool calls, "
            f"{a.bytes / p.bytes:.3f} of the bytes, {a.requests / max(p.requests, 1):.2f} of the upstream requests, "
            f"{a.seconds / p.seconds:.2f} of the wall time. The audit: {a.extra['summary']}"
        )
        if p.errors:
            print(f"The prompt's calls answered {p.errors} error(s).")


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    runs = [await run_scale(int(k), args.seed) for k in args.scales.split(",")]
    print(f"contentstack-personalize-mcp audit benchmark — {date.today()} — {machine()}")
    print(f"code {code_version()}; seed {args.seed}; ran in {time.perf_counter() - started:.0f} s")
    report(runs)
    if args.json:
        payload = {
            "date": str(date.today()),
            "machine": machine(),
            "code": code_version(),
            "runs": [asdict(r) for r in runs],
        }
        await anyio.Path(args.json).write_text(json.dumps(payload, indent=2, default=str) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="100", help="comma-separated scale factors (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="accepted for the smoke test (the run is the same)")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to PATH as JSON")
    run_main(main, parser.parse_args())
