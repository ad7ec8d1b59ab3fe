"""Benchmarks: speed, economy and footprint of the server, as ratios measured in one run.

    python bench/run.py                 # all six, L = 50 ms, about two minutes on 2 cores
    python bench/run.py --only 1,3      # some of them
    python bench/run.py --quick         # fewer repetitions (a smoke run)

Everything talks to the sandbox served as its own process over loopback; our server runs as
`personalize-mcp serve` (stdio, or `--transport http`) with a stored account pointing at it, the
bare reference as `bench/bare_server.py`. See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp_types import CallToolResult

from finding import BenchFailure, call, named, run_main, walk
from harness import (
    Sandbox,
    account_home,
    bare_http,
    bare_stdio,
    code_version,
    free_port,
    http_server,
    machine,
    one_child,
    ours_http,
    ours_stdio,
    peak_rss_mib,
    sandbox,
)
from personalize_mcp.sandbox import data

WEB, MOBILE, STACK = data.WEB_PROJECT_UID, data.MOBILE_PROJECT_UID, data.MAIN_STACK_API_KEY


# ---------------------------------------------------------------------------------------------- reporting


@dataclass
class Line:
    bench: str
    what: str
    value: float
    goal: str  # e.g. "<= 1.1"; "" when the issue sets none
    met: bool | None
    detail: str = ""


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)

    def add(self, bench: str, what: str, value: float, goal: str = "", detail: str = "") -> None:
        met: bool | None = None
        if goal:
            op, bound = goal.split()
            met = value <= float(bound) if op == "<=" else value >= float(bound)
        self.lines.append(Line(bench, what, value, goal, met, detail))

    def print(self) -> None:
        width = max(len(line.what) for line in self.lines)
        for bench in dict.fromkeys(line.bench for line in self.lines):
            print(f"\n{bench}")
            for line in (line for line in self.lines if line.bench == bench):
                self._print_line(line, width)

    @staticmethod
    def _print_line(line: Line, width: int) -> None:
        mark = {True: "ok  ", False: "MISS", None: "    "}[line.met]
        goal = f"goal {line.goal}" if line.goal else ""
        print(f"  {mark} {line.what:<{width}}  {line.value:8.2f}  {goal:<12} {line.detail}")


async def timed(function: Callable[..., Awaitable[Any]], *args: Any) -> float:
    started = time.perf_counter()
    await function(*args)
    return time.perf_counter() - started


# -------------------------------------------------------------------------------- 1. critical path


@dataclass(frozen=True)
class Action:
    tool: str
    arguments: dict[str, Any]
    chain: int
    """The minimum dependent chain of upstream round trips with a cold cache."""
    label: str = ""

    @property
    def name(self) -> str:
        big = self.arguments.get("variant_group_uid") == data.BIG_VARIANT_GROUP_UID
        return self.tool + (" (130 variants)" if big else "")


ACTIONS = [
    Action("list_projects", {}, 1),
    Action("get_all_audiences", {"project_uid": WEB}, 1, "audiences ∥ attributes"),
    Action("get_single_audience", {"project_uid": WEB, "audience_uid": data.AUSTRALIA_AUDIENCE_UID}, 1),
    Action("get_all_experiences", {"project_uid": WEB}, 1),
    Action("get_single_experience", {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID}, 1),
    Action(
        "get_all_versions",
        {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID},
        1,
        "versions ∥ audiences ∥ attributes",
    ),
    Action(
        "get_variant_audiences",
        {
            "stack_api_key": STACK,
            "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
            "variant_uid": data.HERO_MOBILE_VARIANT_UID,
        },
        2,
        "variant, then versions ∥ audiences ∥ attributes ∥ experiences",
    ),
    Action("list_stacks", {}, 1),
    Action("list_variant_groups", {"stack_api_key": STACK}, 1),
    Action("list_variants", {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID}, 1),
    Action(
        "list_variants",
        {"stack_api_key": data.BIG_STACK_API_KEY, "variant_group_uid": data.BIG_VARIANT_GROUP_UID},
        2,
        "130 variants: first page, then the second",
    ),
]


PAUSE = 0.5
"""Between timed calls: below Contentstack's 10 requests/s, so the rate limiter is never what is timed."""


async def critical_path(
    report: Report, box: Sandbox, home: Path, latency_ms: int, repeats: int, pause_between: float = PAUSE
) -> None:
    """Each action's wall time in round trips of the injected latency L.

    Cold: a server with caching off (`--no-cache`), so every call fetches every lookup it needs; the
    first call of each tool is not timed (it pays for the process's first use of that tool, not for
    upstream round trips). Each timed call at L is paired with one at L = 0: their difference is the
    time spent waiting on upstream, free of the MCP round trip over stdio that any server pays (the
    bare reference's one GET shows that floor). Warm: the default server, after one call; what counts
    is that no upstream request is made.
    """
    box.rate_limit(10)
    seconds = latency_ms / 1000
    cold_title = (
        f"1. critical path, cold cache (round trips of L = {latency_ms} ms; goal: upstream wait <= 1.1 x the "
        "minimum chain)"
    )
    warm_title = "1. critical path, warm cache (upstream requests per call; minimum 0)"

    async def timings(client: Client, tool: str, arguments: dict[str, Any]) -> tuple[float, float, float]:
        """Median wall time at L, at L = 0, and of their difference (alternating, one pair per repetition)."""
        box.latency(0)
        box.clear_log()
        await call(client, tool, arguments)
        per_api = max([sum(1 for r in box.log() if r["api"] == api) for api in ("personalize", "cma")])
        # Our limiter counts a request for a second after its answer: three calls a second must fit in 10.
        pause = pause_between if 3 * per_api <= 10 else 2.2 * pause_between
        at_latency, at_zero = [], []
        for _ in range(repeats):
            for ms, into in ((latency_ms, at_latency), (0, at_zero)):
                box.latency(ms)
                await anyio.sleep(pause)
                into.append(await timed(call, client, tool, arguments))
        waits = [slow - fast for slow, fast in zip(at_latency, at_zero, strict=True)]
        return statistics.median(at_latency), statistics.median(at_zero), statistics.median(waits)

    async with Client(bare_stdio(box)) as client:
        await client.list_tools()
        wall, zero, wait = await timings(client, "list_projects", {})
    report.add(
        cold_title,
        "floor: the bare reference's one GET  [min 1]",
        wait / seconds,
        "",
        f"wall / L = {wall / seconds:.2f} ({wall * 1000:.1f} ms; {zero * 1000:.1f} ms at L = 0)",
    )

    box.clear_log()
    async with Client(ours_stdio(home, "--no-cache")) as client:
        await client.list_tools()
        for action in ACTIONS:
            wall, zero, wait = await timings(client, action.tool, action.arguments)
            waited = wait / seconds
            report.add(
                cold_title,
                f"{action.name}  [min {action.chain}]",
                waited / action.chain,
                "<= 1.1",
                f"waited {waited:.2f} L; wall / L = {wall / seconds:.2f} ({wall * 1000:.0f} ms; "
                f"{zero * 1000:.1f} ms at L = 0)" + (f"; {action.label}" if action.label else ""),
            )
    limited = sum(1 for r in box.log() if r["status"] == 429)
    report.add(cold_title, "429s drawn", limited, "<= 0")

    box.latency(latency_ms)
    async with Client(ours_stdio(home)) as client:
        await client.list_tools()
        for action in ACTIONS:
            await call(client, action.tool, action.arguments)
            box.clear_log()
            times = [await timed(call, client, action.tool, action.arguments) for _ in range(3)]
            report.add(
                warm_title,
                action.name,
                len(box.log()) / 3,
                "<= 0",
                f"{statistics.median(times) * 1000:.1f} ms = {statistics.median(times) / seconds:.2f} x L",
            )


# ------------------------------------------------------------------------------------- 2. overhead


async def median_call_latency(params: StdioServerParameters, calls: int) -> float:
    async with Client(params) as client:
        await client.list_tools()
        for _ in range(3):
            await call(client, "list_projects")
            await anyio.sleep(0.12)
        latencies = []
        for _ in range(calls):
            latencies.append(await timed(call, client, "list_projects"))
            await anyio.sleep(0.12)  # below 10 calls/s: neither Contentstack's limit nor ours is in play
    return statistics.median(latencies)


async def spawn_to_tools_list(params: StdioServerParameters) -> float:
    started = time.perf_counter()
    async with Client(params) as client:
        await client.list_tools()
        return time.perf_counter() - started


async def overhead(report: Report, box: Sandbox, home: Path, calls: int, spawns: int) -> None:
    box.latency(0)
    box.rate_limit(10)
    ours_latency = await median_call_latency(ours_stdio(home, "--no-cache"), calls)
    bare_latency = await median_call_latency(bare_stdio(box), calls)
    ours_spawn, writes_spawn, bare_spawn = [], [], []
    for _ in range(spawns):
        ours_spawn.append(await spawn_to_tools_list(ours_stdio(home)))
        writes_spawn.append(await spawn_to_tools_list(ours_stdio(home, "--writes", "all")))
        bare_spawn.append(await spawn_to_tools_list(bare_stdio(box)))
    title = "2. overhead vs the bare reference (ours / bare)"
    report.add(
        title,
        "median tool-call latency, L = 0 (list_projects, one GET each)",
        ours_latency / bare_latency,
        "<= 1.3",
        f"{ours_latency * 1000:.2f} ms vs {bare_latency * 1000:.2f} ms (ours with --no-cache)",
    )
    for what, spawned in (("", ours_spawn), (", --writes all", writes_spawn)):
        report.add(
            title,
            f"spawn -> first tools/list over stdio{what}",
            statistics.median(spawned) / statistics.median(bare_spawn),
            "<= 1.3",
            f"{statistics.median(spawned) * 1000:.0f} ms vs {statistics.median(bare_spawn) * 1000:.0f} ms",
        )


# --------------------------------------------------------------------- 3. economy and 6. peak memory


class Counted:
    """A client whose tool calls are counted (the conversation's length, pages included)."""

    def __init__(self, client: Client) -> None:
        self.client, self.calls = client, 0

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> CallToolResult:
        self.calls += 1
        return await self.client.call_tool(name, arguments)


CONVERSATION_VARIANTS = {
    "Homepage hero": ("Australia", "Mobile shoppers"),
    "High-intent offers": ("High-intent EU desktop", "Seasonal"),
    "Summer sale banner": ("Summer campaign", "International"),  # a draft only: its draft audiences are asked
}
CONVERSATION_AUDIENCES = ("Australian Users", "Mobile Visitors", "Returning Customers")


async def conversation(client: Client) -> int:
    """25 calls (more if a list pages), ids taken from earlier answers as an assistant would: lists walked
    by cursor, things found by name (project, experiences, audiences, variants; the stack the project is
    connected to), singles, variant audiences across three experiences, drafts. Returns the calls made."""
    counted = Counted(client)
    ask: Any = counted  # quacks like a Client for `call` and `walk`

    projects = await walk(ask, "list_projects", "projects")
    web, mobile = named(projects, "Web", "project"), named(projects, "Mobile App", "project")
    experiences = await walk(ask, "get_all_experiences", "experiences", project_uid=web["uid"])
    hero, lytics, promo = (named(experiences, name, "experience of Web")["uid"] for name in CONVERSATION_VARIANTS)
    await call(ask, "get_single_experience", {"project_uid": web["uid"], "experience_uid": hero})
    await call(ask, "get_all_versions", {"project_uid": web["uid"], "experience_uid": hero})
    audiences = await walk(ask, "get_all_audiences", "audiences", project_uid=web["uid"])
    picked = [named(audiences, name, "audience of Web")["uid"] for name in CONVERSATION_AUDIENCES]
    for audience in picked[:2]:
        await call(ask, "get_single_audience", {"project_uid": web["uid"], "audience_uid": audience})
    stacks = await walk(ask, "list_stacks", "stacks")
    stack = named(stacks, web.get("connected_stack_api_key") or "", "stack connected to Web", field="api_key")
    key = stack["api_key"]
    groups = await walk(ask, "list_variant_groups", "variant_groups", stack_api_key=key)
    variant_uids: dict[tuple[str, str], tuple[str, str]] = {}
    for (name, variant_names), experience in zip(CONVERSATION_VARIANTS.items(), (hero, lytics, promo), strict=True):
        what = f"variant group of {name!r} in stack {stack['name']!r}"
        group = named(groups, experience, what, field="experience_uid")["uid"]
        variants = await walk(ask, "list_variants", "variants", stack_api_key=key, variant_group_uid=group)
        for variant_name in variant_names:
            variant = named(variants, variant_name, f"variant of {name!r}")["uid"]
            variant_uids[(name, variant_name)] = (group, variant)
            await call(ask, "get_variant_audiences", {
                "stack_api_key": key, "variant_group_uid": group, "variant_uid": variant, "draft": experience == promo,
            })  # fmt: skip
    group_uid, mobile_shoppers = variant_uids[("Homepage hero", "Mobile shoppers")]
    await call(ask, "get_variant_audiences", {
        "stack_api_key": key, "variant_group_uid": group_uid, "variant_uid": mobile_shoppers, "draft": True,
    })  # fmt: skip
    await call(ask, "get_all_versions", {"project_uid": web["uid"], "experience_uid": lytics})
    await call(ask, "get_all_versions", {"project_uid": web["uid"], "experience_uid": promo, "audiences_of": "draft"})
    await call(ask, "get_all_audiences", {"project_uid": web["uid"], "audience_uids": picked})
    await call(ask, "get_single_experience", {"project_uid": web["uid"], "experience_uid": lytics})
    await walk(ask, "get_all_experiences", "experiences", project_uid=mobile["uid"])
    await walk(ask, "get_all_audiences", "audiences", project_uid=mobile["uid"])
    return counted.calls


async def economy_and_memory(report: Report, box: Sandbox, home: Path) -> None:
    box.latency(0)
    box.rate_limit(10)
    counts, calls = {}, {}
    ours_rss = 0.0
    for label, flags in (("ours", ()), ("one request per need", ("--no-cache",))):
        box.clear_log()
        async with Client(ours_stdio(home, *flags)) as client:
            calls[label] = await conversation(client)
            if label == "ours":
                ours_rss = peak_rss_mib(one_child("personalize_mcp serve"))
        counts[label] = len(box.log())
    if len(set(calls.values())) != 1:
        raise BenchFailure(f"the conversation took {calls} calls: the two servers listed different pages")
    made = calls["ours"]
    report.add(
        "3. upstream economy (requests: ours / one request per need)",
        f"{made}-call conversation",
        counts["ours"] / counts["one request per need"],
        "<= 0.4",
        f"{counts['ours']} vs {counts['one request per need']} (the same server with --no-cache)",
    )
    box.rate_limit(None)  # the bare server has no limiter: let every one of its GETs succeed
    async with Client(bare_stdio(box)) as client:
        for _ in range(made):
            await call(client, "list_projects")
        bare_rss = peak_rss_mib(one_child("bare_server.py"))
    box.rate_limit(10)
    report.add(
        "6. peak memory after the conversation (RSS: ours / bare)",
        "VmHWM of the server process",
        ours_rss / bare_rss,
        "",
        f"{ours_rss:.1f} MiB vs {bare_rss:.1f} MiB (bare: {made} calls of its one tool)",
    )


# ---------------------------------------------------------------------------------- 4. answer size


def compact(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


async def answer_size(report: Report, box: Sandbox, home: Path) -> None:
    box.latency(0)
    org = {"organization_uid": data.MAIN_ORG_UID}
    web = {"x-project-uid": WEB, **org}
    page = "?include_count=true&limit=100&skip=0"
    hero_versions = f"/experiences/{data.HERO_EXPERIENCE_UID}/versions"
    cases: list[tuple[str, dict[str, Any], list[tuple[str, str, dict[str, str]]]]] = [
        ("list_projects", {}, [("personalize", "/projects", org)]),
        ("get_all_audiences", {"project_uid": WEB}, [("personalize", "/audiences", web)]),
        ("get_all_experiences", {"project_uid": WEB}, [("personalize", "/experiences", web)]),
        (
            "get_all_versions",
            {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID},
            [("personalize", hero_versions, web), ("personalize", "/audiences", web)],
        ),
        ("list_stacks", {}, [("cma", "/stacks" + page, org)]),
        (
            "list_variant_groups",
            {"stack_api_key": STACK},
            [("cma", "/variant_groups" + page + "&include_variant_info=true", {"api_key": STACK})],
        ),
        (
            "list_variants",
            {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID},
            [("cma", f"/variant_groups/{data.HERO_VARIANT_GROUP_UID}/variants" + page, {"api_key": STACK})],
        ),
    ]
    ours_total = raw_total = 0
    async with Client(ours_stdio(home)) as client:
        for tool, arguments, raws in cases:
            ours = compact(await call(client, tool, arguments))
            raw = sum(len(box.raw(api, path, **headers)) for api, path, headers in raws)
            ours_total, raw_total = ours_total + ours, raw_total + raw
            extra = " (raw: versions + audiences, which the answer resolves)" if len(raws) > 1 else ""
            report.add(
                "4. answer size (structured result bytes / raw upstream JSON bytes)",
                tool,
                ours / raw,
                "<= 0.6",
                f"{ours} B vs {raw} B{extra}",
            )
    report.add(
        "4. answer size (structured result bytes / raw upstream JSON bytes)",
        "all list tools together",
        ours_total / raw_total,
        "<= 0.6",
        f"{ours_total} B vs {raw_total} B",
    )


# ------------------------------------------------------------------------------- 5. HTTP throughput


async def throughput(url: str, clients: int, seconds: float) -> tuple[float, int]:
    """Calls per second of `clients` sessions calling list_projects back to back for `seconds`."""
    done = errors = ready = 0
    all_ready, stop = anyio.Event(), anyio.Event()

    async def one_client() -> None:
        nonlocal done, errors, ready
        async with Client(url) as client:
            await client.list_tools()
            await client.call_tool("list_projects", {})  # warm: cache, connections
            ready += 1
            if ready == clients:
                all_ready.set()
            await all_ready.wait()
            while not stop.is_set():
                result = await client.call_tool("list_projects", {})
                if result.is_error:
                    errors += 1
                else:
                    done += 1

    async with anyio.create_task_group() as group:
        for _ in range(clients):
            group.start_soon(one_client)
        with anyio.fail_after(60):
            await all_ready.wait()
        await anyio.sleep(seconds)
        measured = done
        stop.set()
    return measured / seconds, errors


async def http_throughput(report: Report, box: Sandbox, home: Path, clients: int, seconds: float, rounds: int) -> None:
    """Rounds alternate ours and bare, so a noisy neighbour hurts both alike; the mean of each is kept."""
    box.latency(0)
    box.rate_limit(None)  # the bare server has no limiter: let every one of its GETs succeed
    rates: dict[str, list[float]] = {"ours": [], "bare": []}
    errors = {"ours": 0, "bare": 0}
    for _ in range(rounds):
        for name in ("ours", "bare"):
            port = free_port()
            command, env = ours_http(home, port) if name == "ours" else bare_http(box, port)
            with http_server(command, env, port) as url:
                rate, failed = await throughput(url, clients, seconds)
            rates[name].append(rate)
            errors[name] += failed
    box.rate_limit(10)
    ours, bare = statistics.mean(rates["ours"]), statistics.mean(rates["bare"])
    report.add(
        f"5. Streamable HTTP throughput, {clients} concurrent clients (ours / bare)",
        "list_projects calls per second",
        ours / bare,
        ">= 0.7",
        f"{ours:.0f}/s vs {bare:.0f}/s (rounds: {', '.join(f'{r:.0f}' for r in rates['ours'])} vs "
        f"{', '.join(f'{r:.0f}' for r in rates['bare'])}); errors {errors['ours']} vs {errors['bare']}",
    )


# ------------------------------------------------------------------------------------------- main


@dataclass(frozen=True)
class Level:
    """How many repetitions each benchmark makes: the figures come from `full`; `smoke` only proves every
    section still runs on today's sandbox (the test suite's smoke test), its numbers mean nothing."""

    repeats: int  # 1: timed pairs per action
    pause: float  # 1: seconds between timed calls (0: our limiter alone keeps the pace)
    calls: int  # 2: timed calls per server
    spawns: int  # 2: spawns per server
    clients: int  # 5: concurrent sessions
    seconds: float  # 5: seconds per round
    rounds: int  # 5: rounds per server


LEVELS = {
    "full": Level(repeats=7, pause=PAUSE, calls=40, spawns=7, clients=16, seconds=5.0, rounds=2),
    "quick": Level(repeats=2, pause=PAUSE, calls=10, spawns=2, clients=16, seconds=2.0, rounds=1),
    "smoke": Level(repeats=1, pause=0.0, calls=2, spawns=1, clients=2, seconds=0.3, rounds=1),
}


async def main(args: argparse.Namespace) -> None:
    only = {int(n) for n in args.only.split(",")} if args.only else {1, 2, 3, 4, 5, 6}
    level = LEVELS["smoke" if args.smoke else "quick" if args.quick else "full"]
    report = Report()
    started = time.perf_counter()
    with sandbox() as box, account_home(box) as home:
        if 1 in only:
            await critical_path(report, box, home, args.latency_ms, level.repeats, level.pause)
        if 2 in only:
            await overhead(report, box, home, calls=level.calls, spawns=level.spawns)
        if 3 in only or 6 in only:
            await economy_and_memory(report, box, home)
        if 4 in only:
            await answer_size(report, box, home)
        if 5 in only:
            await http_throughput(report, box, home, clients=level.clients, seconds=level.seconds, rounds=level.rounds)
    print(f"contentstack-personalize-mcp benchmarks — {date.today()} — {machine()} — {code_version()}")
    print(f"L = {args.latency_ms} ms; ran in {time.perf_counter() - started:.0f} s")
    report.print()
    missed = [line for line in report.lines if line.met is False]
    print(f"\n{len(missed)} goal(s) missed" if missed else "\nevery goal met")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=50, help="latency injected per upstream request (bench 1)")
    parser.add_argument("--only", default="", help="comma-separated benchmark numbers, e.g. 1,3")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--smoke", action="store_true", help="one of everything: proves each section runs, ~1 min")
    run_main(main, parser.parse_args())
