"""Scale benchmark (issue 11): what each tool answers, and how fast, on generated large accounts.

    python bench/scale.py                       # k = 10, 100, 1000 (about 5 minutes on 2 cores)
    python bench/scale.py --scales 10,100       # some scales
    python bench/scale.py --json scale.json     # also write every figure as JSON
    python bench/scale.py --scales 1 --quick    # a smoke run (tests/resilience/test_bench_smoke.py)

For each scale k the sandbox runs as its own process serving `--scale k` (sandbox/generated.py: at
k = 1000, 5,000 audiences, 2,000 experiences of 3-5 versions, 4,800 variant groups, a 25,000-variant
group, an experience whose variants target 1,000 audiences), with Contentstack's rate limit on. Our
server is the real `personalize-mcp serve` over stdio with a stored account pointing at it; the
client is the SDK's `Client`. Per tool, with default arguments:

- answer: bytes of the JSON text a model reads (the text content), tokens ≈ bytes / 2.5, and the
  items listed (`total` too, when the answer has one);
- cold (not with `--quick`): a `serve --no-cache` server, so the call fetches everything it needs
  (the first call of each tool is not timed: it pays for the process's first use of that tool), and
  the upstream requests it made (the sandbox's request log);
- warm: the default server, after one call: median wall time, and upstream requests per call;
- peak RSS: the default server's VmHWM during its first call of the tool (reset before each), and
  over the whole run.

Then, against the bare SDK server (bench/bare_server.py, `get_audiences`: one GET, the body returned
as it came): a warm full listing of every audience — by a cursor walk at the largest `limit` when
`get_all_audiences` takes `cursor`/`limit` (read from tools/list), else by one default call — and a
warm page of 50. The same script measures the code before and after paging exists.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import anyio
from mcp import Client
from mcp_types import CallToolResult, TextContent, Tool

from finding import BenchFailure, run_main
from harness import (
    Sandbox,
    account_home,
    bare_stdio,
    children_running,
    code_version,
    cpu_seconds,
    machine,
    ours_stdio,
    peak_rss_mib,
    reset_peak_rss,
    sandbox,
)
from personalize_mcp.sandbox import data

BUDGET = 32 * 1024
"""Bytes of JSON text a default answer may take (issue 11)."""
BYTES_PER_TOKEN = 2.5
PAGE_GOAL_MS = 50.0
WALK_GOAL = 1.5
REPEAT_SECONDS = 4.0
"""Warm repetitions stop once they took this long (two at least): a 5-second call is not noisy."""
WARM_TTL = "600"
"""`--cache-ttl` of the warm server: long enough that no list cached by an earlier case expires during
the run, so "warm" means every lookup cached (the default TTL is 30 s)."""
LIMITER_REST = 1.1
"""Seconds to let our rate limiter's slots cool down before a timed cold call (it holds each slot for
1.05 s after its answer), so that a call is not timed waiting on the previous call's requests."""


# ---------------------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    label: str
    tool: str
    arguments: dict[str, Any]
    upstream: int | None = None
    """How many items the account holds for this list (shown when the answer lists fewer)."""


def cases_for(notable: dict[str, str], counts: dict[str, int], tools: dict[str, Tool]) -> tuple[list[Case], list[str]]:
    """Every list tool, the broad experience's versions and the variant joins; then any other list tool
    the server offers whose required arguments we can fill (project, stack). Returns (cases, skipped)."""
    project, stack, catalog = notable["project_uid"], notable["stack_api_key"], notable["big_stack_api_key"]
    known = [
        Case("list_projects", "list_projects", {}),
        Case("get_all_audiences", "get_all_audiences", {"project_uid": project}, counts["audiences"]),
        Case("get_all_experiences", "get_all_experiences", {"project_uid": project}, counts["experiences"]),
        Case(
            "get_all_versions (broad experience)",
            "get_all_versions",
            {"project_uid": project, "experience_uid": notable["broad_experience_uid"]},
        ),
        Case(
            "get_variant_audiences (broad variant)",
            "get_variant_audiences",
            {
                "stack_api_key": stack,
                "variant_group_uid": notable["broad_variant_group_uid"],
                "variant_uid": notable["broad_variant_uid"],
            },
        ),
        Case(
            "get_variant_audiences (A/B variant)",
            "get_variant_audiences",
            {
                "stack_api_key": stack,
                "variant_group_uid": notable["ab_variant_group_uid"],
                "variant_uid": notable["ab_variant_uid"],
            },
        ),
        Case("list_stacks", "list_stacks", {}),
        Case(
            "list_variant_groups (website)", "list_variant_groups", {"stack_api_key": stack}, counts["variant_groups"]
        ),
        Case(
            "list_variant_groups (catalog)", "list_variant_groups", {"stack_api_key": catalog}, counts["catalog_groups"]
        ),
        Case(
            "list_variants (big group)",
            "list_variants",
            {"stack_api_key": catalog, "variant_group_uid": notable["big_variant_group_uid"]},
            counts["big_group_variants"],
        ),
    ]
    cases = [case for case in known if case.tool in tools]
    covered = {case.tool for case in known}
    fillable = {"project_uid": project, "stack_api_key": stack}
    skipped = []
    for name, tool in tools.items():
        if name in covered or not (name.startswith("list_") or name.startswith("get_all_")):
            continue
        required = set(tool.input_schema.get("required", []))
        if required <= fillable.keys():
            properties = tool.input_schema.get("properties", {})
            cases.append(Case(name, name, {k: v for k, v in fillable.items() if k in required or k in properties}))
        else:
            skipped.append(f"{name} (needs {', '.join(sorted(required - fillable.keys()))})")
    return cases, skipped


def first_uses(notable: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Cheap arguments for each tool's first use in a process (the seed's small Mobile project, an empty
    stack, a plain catalog group), so a cold call is timed without paying for it or fetching twice."""
    catalog = notable["big_stack_api_key"]
    plain = {"stack_api_key": catalog, "variant_group_uid": notable["plain_variant_group_uid"]}
    return {
        "get_all_audiences": {"project_uid": data.MOBILE_PROJECT_UID},
        "get_all_experiences": {"project_uid": data.MOBILE_PROJECT_UID},
        "get_all_versions": {"project_uid": data.MOBILE_PROJECT_UID, "experience_uid": data.ONBOARDING_EXPERIENCE_UID},
        "get_single_audience": {"project_uid": data.MOBILE_PROJECT_UID, "audience_uid": data.IOS_USERS_AUDIENCE_UID},
        "get_variant_audiences": {**plain, "variant_uid": notable["plain_variant_uid"]},  # "not linked": 1 request
        "list_variant_groups": {"stack_api_key": data.EMPTY_STACK_API_KEY},
        "list_variants": plain,
    }


# ---------------------------------------------------------------------------------------------- calls


@dataclass
class Answer:
    ok: bool
    bytes: int
    items: int | None
    total: int | None
    text: str


def text_of(result: CallToolResult) -> str:
    return "".join(block.text for block in result.content if isinstance(block, TextContent))


def body_of(result: CallToolResult) -> dict[str, Any]:
    """The answer as the object a model reads: the JSON text, else the structured content."""
    text = text_of(result)
    try:
        body = json.loads(text)
    except ValueError:
        body = result.structured_content
    return body if isinstance(body, dict) else {}


def answer_of(result: CallToolResult) -> Answer:
    text = text_of(result)
    items = total = None
    data = body_of(result)
    if data:
        lists = [v for v in data.values() if isinstance(v, list)]
        items = len(lists[0]) if lists else None
        total = data.get("total") if isinstance(data.get("total"), int) else None
    return Answer(not result.is_error, len(text.encode()), items, total, text)


async def timed_call(client: Client, case: Case, arguments: dict[str, Any] | None = None) -> tuple[float, Answer]:
    started = time.perf_counter()
    result = await client.call_tool(case.tool, case.arguments if arguments is None else arguments)
    return time.perf_counter() - started, answer_of(result)


def server_pid(marker: str) -> int | None:
    found = children_running(marker)
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------- figures


@dataclass
class Row:
    label: str
    ok: bool = True
    error: str = ""
    bytes: int = 0
    items: int | None = None
    total: int | None = None
    upstream: int | None = None
    cold_ms: float | None = None
    cold_requests: int | None = None
    first_ms: float | None = None
    warm_ms: float | None = None
    warm_requests: float | None = None
    peak_rss_mib: float | None = None

    @property
    def tokens(self) -> int:
        return round(self.bytes / BYTES_PER_TOKEN)


@dataclass
class ScaleRun:
    k: int
    counts: dict[str, int]
    rows: list[Row] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    paged: bool = False
    lines: list[dict[str, Any]] = field(default_factory=list)
    server_peak_rss_mib: float | None = None
    throttled: int = 0
    seconds: float = 0.0

    def line(self, what: str, value: float, goal: str = "", detail: str = "") -> None:
        met = None
        if goal:
            op, bound = goal.split()
            met = value <= float(bound) if op == "<=" else value >= float(bound)
        self.lines.append({"what": what, "value": value, "goal": goal, "met": met, "detail": detail})


async def measure_cold(
    client: Client, box: Sandbox, cases: list[Case], rows: dict[str, Row], first_use: dict[str, dict[str, Any]]
) -> None:
    throttled = 0
    used: set[str] = set()
    for case in cases:
        row = rows[case.label]
        if case.tool not in used:  # the process's first use of the tool, on something small
            used.add(case.tool)
            await client.call_tool(case.tool, first_use.get(case.tool, case.arguments))
        await anyio.sleep(LIMITER_REST)
        box.clear_log()
        seconds, _ = await timed_call(client, case)
        row.cold_ms = seconds * 1000
        log = box.log()
        row.cold_requests = sum(1 for r in log if r["api"] in ("personalize", "cma"))
        throttled += sum(1 for r in log if r["status"] == 429)
    if throttled:
        print(f"warning: the cold calls drew {throttled} 429s from the sandbox", flush=True)


async def measure_warm(client: Client, box: Sandbox, cases: list[Case], rows: dict[str, Row], repeats: int) -> None:
    pid = server_pid("personalize_mcp serve")
    for case in cases:
        row = rows[case.label]
        if pid is not None:
            reset_peak_rss(pid)
        seconds, answer = await timed_call(client, case)
        row.first_ms = seconds * 1000
        if pid is not None:
            row.peak_rss_mib = peak_rss_mib(pid)
        row.ok, row.bytes, row.items, row.total = answer.ok, answer.bytes, answer.items, answer.total
        if not answer.ok:
            row.error = answer.text[:200]
        box.clear_log()
        times = await repeated(functools.partial(timed_call, client, case), repeats)
        row.warm_ms = statistics.median(times) * 1000
        row.warm_requests = sum(1 for r in box.log() if r["api"] in ("personalize", "cma")) / len(times)


async def repeated(call: Callable[[], Awaitable[Any]], repeats: int) -> list[float]:
    """Seconds of up to `repeats` calls, stopping after REPEAT_SECONDS (two calls at least)."""
    times: list[float] = []
    while len(times) < repeats and (len(times) < 2 or sum(times) < REPEAT_SECONDS):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


def largest_limit(tool: Tool) -> int | None:
    """The largest `limit` the tool accepts, or None when it takes no `cursor`/`limit`."""
    properties = tool.input_schema.get("properties", {})
    if "cursor" not in properties or "limit" not in properties:
        return None
    schema = properties["limit"]
    options = [schema, *schema.get("anyOf", [])]
    maxima = [o["maximum"] for o in options if isinstance(o, dict) and isinstance(o.get("maximum"), int)]
    return max(maxima) if maxima else 500


async def walk(client: Client, project: str, limit: int) -> tuple[int, int, int]:
    """Every audience by cursor at `limit` per page: (items seen, pages, bytes)."""
    seen = pages = size = 0
    cursor: str | None = None
    while True:
        arguments: dict[str, Any] = {"project_uid": project, "limit": limit}
        if cursor is not None:
            arguments["cursor"] = cursor
        result = await client.call_tool("get_all_audiences", arguments)
        if result.is_error:
            raise BenchFailure(f"get_all_audiences{arguments} answered an error: {text_of(result)}")
        body = body_of(result)
        seen += len(body.get("audiences", []))
        pages += 1
        size += len(text_of(result).encode())
        cursor = body.get("next_cursor")
        if not cursor:
            return seen, pages, size


@dataclass
class Listing:
    """A warm full listing of the audiences: median wall seconds, server CPU seconds per listing, bytes."""

    wall: float
    cpu: float
    bytes: int


async def bare_listing(box: Sandbox, project: str, repeats: int) -> Listing:
    """The bare server's warm `get_audiences` (one GET, the body returned as it came)."""
    box.rate_limit(None)  # the bare server has no limiter: none of its GETs may draw a 429
    size = 0

    async def once(client: Client) -> None:
        nonlocal size
        size = len(text_of(await client.call_tool("get_audiences", {"project_uid": project})).encode())

    try:
        async with Client(bare_stdio(box)) as client:
            await client.list_tools()
            await once(client)
            pid = server_pid("bare_server.py")
            cpu = cpu_seconds(pid) if pid else 0.0
            times = await repeated(lambda: once(client), repeats)
            cpu = (cpu_seconds(pid) - cpu) / len(times) if pid else float("nan")
    finally:
        box.rate_limit(10)
    return Listing(statistics.median(times), cpu, size)


async def against_bare(
    run: ScaleRun, client: Client, tools: dict[str, Tool], project: str, bare: Listing, repeats: int
) -> None:
    """On the warm default server: every audience listed (by cursor when the tool pages), and a page of 50."""
    audiences = run.counts["audiences"]
    limit = largest_limit(tools["get_all_audiences"])
    run.paged = limit is not None
    default = Case("get_all_audiences", "get_all_audiences", {"project_uid": project})
    await timed_call(client, default)  # refresh the cache, should a slow case have outlived it
    how, seen, size = "", 0, 0

    async def listing() -> None:
        nonlocal how, seen, size
        if limit is None:
            _, answer = await timed_call(client, default)
            seen, size, how = answer.items or 0, answer.bytes, "one default call (the tool takes no cursor)"
        else:
            seen, pages, size = await walk(client, project, limit)
            how = f"cursor walk: {pages} pages of limit={limit}"

    pid = server_pid("personalize_mcp serve")
    cpu = cpu_seconds(pid) if pid else 0.0
    times = await repeated(listing, repeats)
    ours = Listing(statistics.median(times), (cpu_seconds(pid) - cpu) / len(times) if pid else float("nan"), size)
    run.line(
        f"warm full listing of all {audiences:,} audiences, ours / bare (wall)",
        ours.wall / bare.wall,
        f"<= {WALK_GOAL}" if limit is not None else "",  # the goal is for the walk by cursor
        f"{ours.wall * 1000:,.0f} ms vs {bare.wall * 1000:,.0f} ms; {how}; {seen:,} listed in {ours.bytes:,} B; "
        f"bare answers {bare.bytes:,} B",
    )
    run.line(
        "the same, server CPU per listing, ours / bare",
        ours.cpu / bare.cpu if bare.cpu > 0 else float("nan"),  # CPU clocks tick in 10 ms: a tiny run may read 0
        "",
        f"{ours.cpu * 1000:,.0f} ms vs {bare.cpu * 1000:,.0f} ms (utime + stime of the server process)",
    )
    if limit is None:
        run.line("warm get_all_audiences page of 50 (ms)", float("nan"), "", "the tool takes no limit")
        return
    page = Case("get_all_audiences limit=50", "get_all_audiences", {"project_uid": project, "limit": 50})
    page_times = await repeated(lambda: timed_call(client, page), max(repeats, 5))
    run.line("warm get_all_audiences page of 50 (ms)", statistics.median(page_times) * 1000, f"<= {PAGE_GOAL_MS}")


async def run_scale(k: int, args: argparse.Namespace) -> ScaleRun:
    """One sandbox process serving scale k; the bare server, then ours cold (`--no-cache`), then warm."""
    started = time.perf_counter()
    repeats = 2 if args.quick else args.repeats
    flags = ("--deadline", str(args.deadline)) if args.deadline else ()
    with sandbox("--scale", str(k), "--seed", str(args.seed)) as box, account_home(box) as home:
        summary = box.scale()
        if summary is None:
            raise BenchFailure(f"the sandbox did not load the generated account of scale {k}")
        notable, run = summary["notable"], ScaleRun(k=k, counts=summary["counts"])
        bare = await bare_listing(box, notable["project_uid"], repeats)
        counts = run.counts
        if not args.quick:
            async with Client(ours_stdio(home, "--no-cache", *flags)) as client:
                tools = {tool.name: tool for tool in (await client.list_tools()).tools}
                cases, _ = cases_for(notable, counts, tools)
                rows = {case.label: Row(case.label) for case in cases}
                await measure_cold(client, box, cases, rows, first_uses(notable))
        async with Client(ours_stdio(home, "--cache-ttl", WARM_TTL, *flags)) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            cases, run.skipped = cases_for(notable, counts, tools)
            if args.quick:
                rows = {case.label: Row(case.label) for case in cases}
            for case in cases:
                rows[case.label].upstream = case.upstream
            run.rows = [rows[case.label] for case in cases]
            await measure_warm(client, box, cases, rows, repeats)
            run.throttled = sum(1 for r in box.log() if r["status"] == 429)
            await against_bare(run, client, tools, notable["project_uid"], bare, repeats)
        # VmHWM is reset before each first call, so the run's peak is the largest of theirs.
        run.server_peak_rss_mib = max((r.peak_rss_mib or 0.0 for r in run.rows), default=None)
    run.seconds = time.perf_counter() - started
    return run


# ---------------------------------------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def print_scale(run: ScaleRun) -> None:
    c = run.counts
    print(
        f"\n### k = {run.k}: {c['audiences']:,} audiences ({c['lytics_audiences']:,} Lytics), {c['experiences']:,} "
        f"experiences ({c['versions']:,} versions), {c['variant_groups']:,} + {c['catalog_groups']:,} variant groups, "
        f"a {c['big_group_variants']:,}-variant group, {c['broad_audiences']:,} audiences in the broad experience "
        f"— {run.seconds:.0f} s\n"
    )
    print("| tool (default arguments) | items | bytes | tokens | ≤ 32 KiB | cold ms | cold req | warm ms | warm req "
          "| peak RSS MiB, first call |")  # fmt: skip
    print("|---|---:|---:|---:|:-:|---:|---:|---:|---:|---:|")
    for r in run.rows:
        of = r.total if r.total is not None else r.upstream
        items = "error" if not r.ok else fmt(r.items) + (f" of {of:,}" if of is not None and of != r.items else "")
        within = "yes" if r.bytes <= BUDGET else "**no**"
        print(
            f"| {r.label} | {items} | {r.bytes:,} | {r.tokens:,} | {within} | {fmt(r.cold_ms)} "
            f"| {fmt(r.cold_requests)} | {fmt(r.warm_ms, 1)} | {fmt(r.warm_requests, 1)} | {fmt(r.peak_rss_mib, 1)} |"
        )
    for r in run.rows:
        if not r.ok:
            print(f"\n{r.label} answered an error: {r.error}")
    if run.skipped:
        print(f"\nNot measured (arguments this bench cannot fill): {', '.join(run.skipped)}")
    print(f"\nServer peak RSS over the run: {fmt(run.server_peak_rss_mib, 1)} MiB; 429s drawn: {run.throttled}")
    for line in run.lines:
        mark = {True: "ok", False: "MISS", None: ""}[line["met"]]
        goal = f" (goal {line['goal']}: {mark})" if line["goal"] else ""
        value = "—" if line["value"] != line["value"] else f"{line['value']:.2f}"
        print(f"- {line['what']}: {value}{goal}; {line['detail']}".rstrip("; "))


def print_growth(runs: list[ScaleRun]) -> None:
    """Bytes of each tool's default answer at each scale: the table for the issue's closing note."""
    print("\n### Growth: bytes (≈ tokens) of each tool's default answer\n")
    print("| tool | " + " | ".join(f"k = {run.k}" for run in runs) + " |")
    print("|---|" + "---:|" * len(runs))
    labels = list(dict.fromkeys(row.label for run in runs for row in run.rows))
    for label in labels:
        cells = []
        for run in runs:
            row = next((r for r in run.rows if r.label == label), None)
            if row is None:
                cells.append("—")
                continue
            mark = "" if row.bytes <= BUDGET else " **over**"
            cells.append(f"{row.bytes:,} ({row.tokens:,}){mark}" + ("" if row.ok else " error"))
        print(f"| {label} | " + " | ".join(cells) + " |")


async def main(args: argparse.Namespace) -> None:
    scales = [int(k) for k in args.scales.split(",")]
    started = time.perf_counter()
    runs = [await run_scale(k, args) for k in scales]
    print(f"contentstack-personalize-mcp scale benchmark — {date.today()} — {machine()}")
    print(f"code {code_version()}; seed {args.seed}; ran in {time.perf_counter() - started:.0f} s")
    for run in runs:
        print_scale(run)
    print_growth(runs)
    over = [(run.k, r.label) for run in runs for r in run.rows if r.bytes > BUDGET]
    missed = [(run.k, line["what"]) for run in runs for line in run.lines if line["met"] is False]
    print(f"\n{len(over)} default answer(s) over 32 KiB; {len(missed)} speed goal(s) missed")
    if args.json:
        payload = {
            "date": str(date.today()),
            "machine": machine(),
            "code": code_version(),
            "seed": args.seed,
            "runs": [{**asdict(run), "rows": [{**asdict(r), "tokens": r.tokens} for r in run.rows]} for run in runs],
        }
        await anyio.Path(args.json).write_text(json.dumps(payload, indent=2, default=str) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="10,100,1000", help="comma-separated scale factors (default 10,100,1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated accounts (default 0)")
    parser.add_argument("--repeats", type=int, default=5, help="warm calls per tool (default 5)")
    parser.add_argument("--deadline", type=float, default=None, help="pass --deadline SECONDS to serve")
    parser.add_argument("--quick", action="store_true", help="no cold pass, 2 warm calls per tool (a smoke run)")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to PATH as JSON")
    run_main(main, parser.parse_args())
