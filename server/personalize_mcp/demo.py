"""`personalize-mcp demo`: a real MCP client drives `serve --sandbox` over stdio and prints each answer.

The demo finds its ids the way a model would (lists first, then the actions), so it doubles as
a smoke test of the whole path: stdio transport, tools, HTTP client, sandbox.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

import anyio
from mcp import Client, StdioServerParameters
from mcp_types import CallToolResult, TextContent

from personalize_mcp.answers.verdict import percent
from personalize_mcp.runtime.logs import configure_logging
from personalize_mcp.sandbox import data as sandbox_data
from personalize_mcp.sandbox import simulation_data


class DemoError(Exception):
    """The demo could not go on (a tool failed where it should have answered)."""


def run_demo(args: argparse.Namespace) -> int:
    configure_logging()
    try:
        anyio.run(_demo, args.mode, sys.stdout)
    except DemoError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    return 0


def server_parameters() -> StdioServerParameters:
    """`personalize-mcp serve --sandbox` with this interpreter, so it works installed or from source."""
    env = {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "PERSONALIZE_MCP_LOG_LEVEL")}
    return StdioServerParameters(command=sys.executable, args=["-m", "personalize_mcp", "serve", "--sandbox"], env=env)


class Printer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def heading(self, title: str, call: str) -> None:
        self.out.write(f"\n== {title} ==\n   {call}\n")

    def line(self, text: str = "") -> None:
        self.out.write(f"   {text}\n")

    def audiences(self, audiences: Sequence[dict[str, Any]]) -> None:
        """Name, uid and source on one line, the rules in full below: rules are the point."""
        width = max((len(a.get("name") or "-") for a in audiences), default=0)
        for audience in audiences:
            source = audience.get("source") or "-"
            self.line(f"{(audience.get('name') or '-').ljust(width)}  {audience['uid']}  {source}")
            self.line(f"    {audience['rules']}")
        if not audiences:
            self.line("(none)")

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, max_width: int = 60) -> None:
        cells = [[_cell(v, max_width) for v in row] for row in rows]
        widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
        self.line("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        self.line("  ".join("-" * w for w in widths))
        for row in cells:
            self.line("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if not cells:
            self.line("(none)")


def _cell(value: Any, max_width: int) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "-"
    else:
        text = str(value)
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def signature(name: str, arguments: dict[str, Any] | None = None) -> str:
    """The call as made, every argument included, so a reader can repeat it in any client."""
    shown = ", ".join(f"{key}={value!r}" for key, value in (arguments or {}).items())
    return f"{name}({shown})"


async def call(client: Client, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(name, arguments or {})
    if result.is_error:
        raise DemoError(f"{name} answered with an error: {_text(result)}")
    if not isinstance(result.structured_content, dict):
        raise DemoError(f"{name} gave no structured content")
    return result.structured_content


def _text(result: CallToolResult) -> str:
    return " ".join(block.text for block in result.content if isinstance(block, TextContent))


async def _demo(mode: str, out: TextIO) -> None:
    p = Printer(out)
    out.write("contentstack-personalize-mcp demo: a real MCP client talking to `personalize-mcp serve --sandbox`\n")
    async with Client(server_parameters(), mode=mode) as client:
        tools = await client.list_tools()
        p.heading("Tools", "tools/list")
        p.table(["NAME", "TITLE"], [[t.name, t.title] for t in tools.tools])

        projects = (await call(client, "list_projects"))["projects"]
        p.heading("List Projects", signature("list_projects"))
        p.table(
            ["UID", "NAME", "CONNECTED STACK"],
            [[x["uid"], x["name"], x.get("connected_stack_api_key")] for x in projects],
        )
        project = next((x for x in projects if x.get("connected_stack_api_key")), projects[0])
        project_uid = project["uid"]

        arguments: dict[str, Any] = {"project_uid": project_uid}
        audiences = (await call(client, "get_all_audiences", arguments))["audiences"]
        p.heading(f"Get All Audiences — project {project['name']}", signature("get_all_audiences", arguments))
        p.audiences(audiences)

        audience = max(audiences, key=lambda a: len(a["rules"]))
        arguments = {"project_uid": project_uid, "audience_uid": audience["uid"]}
        single = await call(client, "get_single_audience", arguments)
        p.heading("Get a Single Audience", signature("get_single_audience", arguments))
        p.line(f"Name:   {single['audience']['name']}")
        p.line(f"Source: {single['audience'].get('source') or '-'}")
        p.line(f"Rules:  {single['audience']['rules']}")

        arguments = {"project_uid": project_uid}
        experiences = (await call(client, "get_all_experiences", arguments))["experiences"]
        p.heading(f"Get All Experiences — project {project['name']}", signature("get_all_experiences", arguments))
        p.table(
            ["UID", "NAME", "TYPE", "STATUS", "VARIANT GROUP"],
            [[e["uid"], e["name"], e["type"], e["status"], e.get("variant_group_uid")] for e in experiences],
        )

        linked = [e for e in experiences if e.get("variant_group_uid") and e["type"] == "SEGMENTED"]
        experience = linked[0] if linked else experiences[0]
        arguments = {"project_uid": project_uid, "experience_uid": experience["uid"]}
        one = await call(client, "get_single_experience", arguments)
        p.heading("Get a Single Experience", signature("get_single_experience", arguments))
        for key in ("name", "type", "status", "short_uid", "latest_version_uid", "audience_uids", "variant_group_uid"):
            p.line(f"{key + ':':<20}{_cell(one['experience'].get(key), 80)}")

        arguments = {"project_uid": project_uid, "experience_uid": experience["uid"]}
        versions = await call(client, "get_all_versions", arguments)
        p.heading(f"Get All Versions — {experience['name']}", signature("get_all_versions", arguments))
        p.table(
            ["VERSION", "STATUS", "VARIANTS"],
            [
                [v["uid"], v["status"], [f"{x['short_uid']}:{x['name']}" for x in v["variants"]]]
                for v in versions["versions"]
            ],
        )
        _print_resolved(p, versions)
        await _catalogue(p, client, project_uid)
        await _experiment_results(p, client, project_uid, experiences)
        await _simulation(p, client, project_uid)
        await _insights(p, client, project_uid, experience["uid"])

        stacks = (await call(client, "list_stacks"))["stacks"]
        p.heading("List Stacks", signature("list_stacks"))
        p.table(
            ["API KEY", "NAME", "MASTER LOCALE"], [[s["api_key"], s["name"], s.get("master_locale")] for s in stacks]
        )
        stack_key = project.get("connected_stack_api_key") or stacks[0]["api_key"]

        arguments = {"stack_api_key": stack_key}
        groups = (await call(client, "list_variant_groups", arguments))["variant_groups"]
        p.heading("List Variant Groups", signature("list_variant_groups", arguments))
        p.table(["UID", "NAME", "EXPERIENCE"], [[g["uid"], g["name"], g.get("experience_uid")] for g in groups])
        group = next((g for g in groups if g.get("experience_uid") == experience["uid"]), None)
        group = group or next(g for g in groups if g.get("experience_uid"))

        arguments = {"stack_api_key": stack_key, "variant_group_uid": group["uid"]}
        variants = await call(client, "list_variants", arguments)
        p.heading("List Variants", signature("list_variants", arguments))
        p.table(
            ["UID", "NAME", "ALIAS", "SHORT UID"],
            [[v["uid"], v["name"], v.get("alias"), v.get("variant_short_uid")] for v in variants["variants"]],
        )

        asks = [(variant, False) for variant in variants["variants"]]
        asks += [(variant, True) for variant in variants["variants"][:1]]  # draft vs active, once
        for variant, draft in asks:
            await _variant_audiences(p, client, stack_key, group["uid"], variant, draft=draft)

        plain = next((g for g in groups if not g.get("experience_uid")), None)
        if plain is not None:
            plain_variants = (
                await call(client, "list_variants", {"stack_api_key": stack_key, "variant_group_uid": plain["uid"]})
            )["variants"]
            if plain_variants:
                arguments = {
                    "stack_api_key": stack_key,
                    "variant_group_uid": plain["uid"],
                    "variant_uid": plain_variants[0]["uid"],
                }
                result = await client.call_tool("get_variant_audiences", arguments)
                p.heading("A clear error — a plain CMS variant group", signature("get_variant_audiences", arguments))
                p.line(_text(result))
    out.write("\nDemo finished: every action answered through the MCP client.\n")


async def _catalogue(p: Printer, client: Client, project_uid: str) -> None:
    """The project's catalogue: which connection answers, attributes, events, priority, a few locations."""
    connection = await call(client, "get_connection")
    p.heading("Get Connection", "get_connection()")
    for key in ("sandbox", "account", "organization_name", "region", "user", "note"):
        p.line(f"{key + ':':<20}{_cell(connection.get(key), 80)}")

    attributes = await call(client, "list_attributes", {"project_uid": project_uid})
    p.heading("List Attributes", f"list_attributes(project_uid={project_uid!r})")
    p.table(
        ["KIND", "KEY", "NAME", "UID"],
        [[a["kind"], a.get("key"), a.get("name"), a["uid"]] for a in attributes["attributes"]],
    )

    events = await call(client, "list_events", {"project_uid": project_uid})
    p.heading("List Events", f"list_events(project_uid={project_uid!r})")
    p.table(["KEY", "DESCRIPTION", "UID"], [[e.get("key"), e.get("description"), e["uid"]] for e in events["events"]])

    priority = await call(client, "get_experiences_priority", {"project_uid": project_uid})
    p.heading("Get Experiences Priority", f"get_experiences_priority(project_uid={project_uid!r})")
    p.table(
        ["RANK", "NAME", "TYPE", "STATUS", "IN LIST"],
        [
            [e["rank"], e.get("name"), e.get("type"), e.get("status"), e["in_priority_list"]]
            for e in priority["experiences"]
        ],
    )
    if priority.get("note"):
        p.line(priority["note"])

    regions = await call(client, "list_locations", {"kind": "region", "country_code": "AU"})
    p.heading("List Locations", "list_locations(kind='region', country_code='AU')")
    p.table(
        ["CODE", "NAME", "COUNTRY"], [[r.get("code"), r["name"], r.get("country_code")] for r in regions["locations"]]
    )


async def _experiment_results(
    p: Printer, client: Client, project_uid: str, experiences: Sequence[dict[str, Any]]
) -> None:
    """The running A/B test's results as a table, with its verdict and why."""
    test = next((e for e in experiences if e["type"] == "AB_TEST" and e["status"] == "ACTIVE"), None)
    if test is None:
        return
    arguments = {"project_uid": project_uid, "experience_uid": test["uid"]}
    results = await call(client, "get_experiment_results", arguments)
    p.heading(f"Get Experiment Results — {test['name']}", f"get_experiment_results(experience_uid={test['uid']!r})")
    metric = results.get("metric") or {}
    p.line(
        f"{results['version']['status']} version {results['version']['uid']} ({results['version_choice']}); "
        f"metric: {metric.get('name') or metric.get('key') or '-'}; "
        f"{results['days_since_activation']} complete days since activation ({results['activated_at_source']})"
    )
    p.table(
        ["SHORT UID", "VARIANT", "TRAFFIC", "IMPRESSIONS", "CONVERSIONS", "RATE", "UPLIFT", "P2BB"],
        [
            [
                v["short_uid"],
                v["name"],
                _percent(v.get("traffic_distribution"), scale=1, digits=0),
                f"{v['impressions']:,}",
                "-" if v["conversions"] is None else f"{v['conversions']:,}",
                _percent(v["conversion_rate"], digits=2),
                _percent(v["uplift_vs_control"], signed=True),
                "-" if v["probability_to_be_best"] is None else percent(v["probability_to_be_best"]),
            ]
            for v in results["variants"]
        ],
    )
    p.line(f"Verdict: {results['verdict'].upper()} — {results['verdict_reason']}")
    ratio = results.get("sample_ratio")
    if ratio:
        p.line(f"Sample ratio: {ratio['explanation']}")
    series = await call(client, "get_experiment_timeseries", arguments)
    p.line(f"Time series: {series['total']} daily points (UTC), each the sum of its hours; get_experiment_timeseries.")


def _percent(value: float | None, *, scale: float = 100.0, digits: int = 1, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * scale:{'+' if signed else ''}.{digits}f} %"


async def _simulation(p: Printer, client: Client, project_uid: str) -> None:
    """One visitor across every experience (priority order), then one audience rule by rule: both local."""
    visitor = simulation_data.WRONG_TYPE
    result = await call(client, "simulate_visitor", {"project_uid": project_uid, "visitor": visitor})
    p.heading("Simulate a Visitor", f"simulate_visitor(visitor={visitor!r})")
    p.table(
        ["RANK", "EXPERIENCE", "OUTCOME", "VARIANT", "ALIAS"],
        [
            [
                e["rank"],
                e.get("name"),
                e["outcome"],
                (e.get("variant") or {}).get("name"),
                (e.get("variant") or {}).get("alias"),
            ]
            for e in result["experiences"]
        ],
    )
    for experience in result["experiences"]:
        p.line(f"{experience.get('name')}: {experience['reason']}")
    p.line(f"variant_aliases: {_cell(result['variant_aliases'], 80)}; needs: {_cell(result['needs'], 80)}")
    if result.get("aliases_note"):
        p.line(result["aliases_note"])

    audience = sandbox_data.RETURNING_CUSTOMERS_AUDIENCE_UID
    match = await call(
        client, "explain_audience_match", {"project_uid": project_uid, "audience_uid": audience, "visitor": visitor}
    )
    p.heading(
        f"Explain an Audience Match — {match['audience']['name']}", f"explain_audience_match(audience_uid={audience!r})"
    )
    p.line(f"matched: {match['matched']} ({match['because']})")
    for line in match["trace"]:
        shown = {True: "true", False: "false", None: "null"}[line["result"]]
        p.line(f"{'  ' * line['depth']}{shown:<5}  {line['rule']}")
        p.line(f"{'  ' * line['depth']}       {line['because']}")


async def _insights(p: Printer, client: Client, project_uid: str, experience_uid: str) -> None:
    """Search, where an audience is used, what the draft changes, and the audit of the Audit demo project."""
    found = await call(client, "search", {"query": "returning"})
    p.heading("Search", "search(query='returning')")
    p.table(
        ["KIND", "NAME", "MATCH", "NEXT"],
        [[h["kind"], h.get("name"), h["match"], h["next_tool"]] for h in found["results"]],
    )
    audience = next((h for h in found["results"] if h["kind"] == "audience"), None)
    if audience is not None:
        usage = await call(client, "find_usage", {"project_uid": audience["project_uid"], "uid": audience["uid"]})
        p.heading(f"Find Where It Is Used — {audience['name']}", f"find_usage(uid={audience['uid']!r})")
        p.line(usage["summary"])
        p.table(["EXPERIENCE", "WHERE"], [[u.get("name"), u["where"]] for u in usage["used_by"]], max_width=100)

    arguments = {"project_uid": project_uid, "experience_uid": experience_uid}
    p.heading("Compare Versions (ACTIVE -> DRAFT)", signature("compare_versions", arguments))
    compared = await client.call_tool("compare_versions", arguments)
    if compared.is_error:
        p.line(f"(tool error) {_text(compared)}")
    else:
        changes = compared.structured_content or {}
        p.line(changes["summary"])
        p.table(
            ["VARIANT", "CHANGE", "BEFORE", "AFTER"],
            [[c["variant_short_uid"], c["change"], c["before"], c["after"]] for c in changes["changes"]],
        )

    projects = await call(client, "search", {"query": "audit demo", "kinds": ["project"]})
    target = projects["results"][0]["uid"] if projects["results"] else project_uid
    audit = await call(client, "audit_project", {"project_uid": target})
    p.heading("Audit a Project", f"audit_project(project_uid={target!r})")
    p.line(audit["summary"])
    p.table(
        ["SEVERITY", "CHECK", "SUBJECT", "MESSAGE"],
        [
            [f["severity"], f["check"], f["subject"].get("name") or f["subject"]["uid"], f["message"]]
            for f in audit["findings"]
        ],
        max_width=90,
    )


async def _variant_audiences(
    p: Printer, client: Client, stack_key: str, group_uid: str, variant: dict[str, Any], *, draft: bool
) -> None:
    arguments: dict[str, Any] = {
        "stack_api_key": stack_key,
        "variant_group_uid": group_uid,
        "variant_uid": variant["uid"],
    }
    if draft:
        arguments["draft"] = True
    p.heading(
        f"Get Audience(s) of a Variant — {variant['name']}{' (draft)' if draft else ''}",
        signature("get_variant_audiences", arguments),
    )
    result = await client.call_tool("get_variant_audiences", arguments)
    if result.is_error:
        p.line(f"(tool error) {_text(result)}")
        return
    answer = result.structured_content or {}
    p.line(
        f"Experience {answer.get('experience_name')!r}, {answer['version']['status']} version "
        f"{answer['version']['uid']}, variant {answer['variant']['name']!r}; audiences combined with "
        f"{answer.get('audience_combination') or '-'}:"
    )
    p.audiences(answer["audiences"])


def _print_resolved(p: Printer, versions: dict[str, Any]) -> None:
    resolved = versions.get("audiences_version")
    if resolved is None:
        p.line(f"No active version: {versions.get('note')}")
        return
    p.line("")
    p.line(f"Audiences of the {resolved['status']} version {resolved['uid']}:")
    rows = []
    for variant in resolved["variants"]:
        names = [a["name"] or a["uid"] for a in variant["audiences"]]
        if variant.get("type") == "AB_TEST":
            names = [f"A/B traffic {variant.get('traffic_distribution')}%"]
        rows.append([variant["short_uid"], variant["name"], variant.get("audience_combination"), names])
    p.table(["SHORT UID", "VARIANT", "COMBINE", "AUDIENCES"], rows, max_width=80)
