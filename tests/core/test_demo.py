"""The first run (issue 22): `personalize-mcp demo` prints what a person acts on in full, yes / no rather than
True / False, and under every heading the call exactly as it was sent.

The demo runs in process (its client still starts `serve --sandbox` over stdio) with `Client.call_tool`
recorded, so the checks compare the printed page with the calls really sent and their real answers. Each check is
also shown to catch the fault it exists for, on a copy of the page with that fault put in.
"""

from __future__ import annotations

import copy
import io
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult

from personalize_mcp.demo.run import demo_to
from personalize_mcp.sandbox import data
from tests.helpers import CONTRACT_TOOLS

HEADING = re.compile(r"^== (?P<title>.+) ==$")
PYTHON_BOOL = re.compile(r"\b(True|False)\b")


@dataclass(frozen=True)
class Sent:
    name: str
    arguments: dict[str, Any]
    result: CallToolResult


@dataclass(frozen=True)
class Run:
    out: str
    sent: list[Sent]

    def answer(self, name: str) -> dict[str, Any]:
        (found,) = [s.result.structured_content for s in self.sent if s.name == name and s.result.structured_content]
        return found


@pytest.fixture(scope="module")
def run() -> Run:
    """One demo run for the module's tests: about five seconds."""
    import anyio

    sent: list[Sent] = []
    original = Client.call_tool

    async def recording(self: Client, name: str, arguments: dict[str, Any] | None = None, *a: Any, **k: Any) -> Any:
        result = await original(self, name, arguments, *a, **k)
        sent.append(Sent(name, copy.deepcopy(arguments or {}), result))
        return result

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "call_tool", recording)
        anyio.run(demo_to, "auto", out)
    return Run(out.getvalue(), sent)


def as_sent(sent: Sent) -> str:
    """A call as the heading must show it: the tool and every argument sent, in the order sent."""
    return (
        f"{sent.name}("
        + ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in sent.arguments.items())
        + ")"
    )


def heading_lines(out: str) -> set[int]:
    lines = out.splitlines()
    return {n + 1 for n, line in enumerate(lines) if HEADING.match(line) and n + 1 < len(lines)}


def headings_not_as_sent(out: str, sent: list[Sent]) -> list[str]:
    """Each heading's call line that is no call really sent (a tool call left out an argument, or added one)."""
    lines = out.splitlines()
    calls = {as_sent(s) for s in sent}
    shown = [lines[n].strip() for n in sorted(heading_lines(out))]
    return [line for line in shown if line.split("(")[0] in CONTRACT_TOOLS and line not in calls]


def python_booleans(out: str) -> list[str]:
    """Lines with Python's True/False anywhere, heading calls included (they show the JSON sent: true/false)."""
    return [line for line in out.splitlines() if PYTHON_BOOL.search(line)]


def audit_problems(out: str, messages: list[str]) -> list[str]:
    """The audit table's MESSAGE column, each cell's wrapped lines joined, must be each finding's whole message."""
    section = out.split("== Audit a Project ==", 1)[1].split("\n== ", 1)[0].splitlines()
    header = next(n for n, line in enumerate(section) if line.strip().startswith("SEVERITY"))
    column = section[header].index("MESSAGE")
    cells: list[list[str]] = []
    for line in section[header + 2 :]:
        if not line.strip():
            break
        if line[:column].strip():
            cells.append([])
        cells[-1].append(line[column:].strip())
    printed = [" ".join(cell) for cell in cells]
    problems = [line for line in section if line.rstrip().endswith("…")]
    if printed != [" ".join(m.split()) for m in messages]:
        problems += [p for p in printed if p not in messages] or ["the findings differ in number or order"]
    return problems


def test_every_heading_prints_the_call_exactly_as_sent(run: Run) -> None:
    assert headings_not_as_sent(run.out, run.sent) == []
    shown = {run.out.splitlines()[n].strip().split("(")[0] for n in heading_lines(run.out)}
    assert {"get_experiment_results", "simulate_visitor", "explain_audience_match", "find_usage"} <= shown


def test_tables_say_yes_and_no(run: Run) -> None:
    assert python_booleans(run.out) == []
    assert re.search(r"sandbox: +yes", run.out) and re.search(r"ARCHIVED +no", run.out)


def test_audit_messages_are_printed_whole(run: Run) -> None:
    messages = [f["message"] for f in run.answer("audit_project")["findings"]]
    assert len(messages) >= 10 and max(len(m) for m in messages) > 150
    assert audit_problems(run.out, messages) == []


def test_the_checks_catch_the_faults_they_are_for(run: Run) -> None:
    messages = [f["message"] for f in run.answer("audit_project")["findings"]]
    first = messages[0]
    cut = run.out.replace(first[:40], first[:39] + "…", 1)
    assert cut != run.out and audit_problems(cut, messages)
    booleans = re.sub(r"(ARCHIVED +)no", r"\1False", run.out, count=1)
    assert booleans != run.out and python_booleans(booleans)
    project = f'project_uid="{data.WEB_PROJECT_UID}", '
    shortened = run.out.replace(f"get_experiment_results({project}", "get_experiment_results(", 1)
    assert shortened != run.out and headings_not_as_sent(shortened, run.sent)


def test_the_first_run_shows_the_product_at_its_best(run: Run) -> None:
    out = run.out
    first, second = out.split("== Simulate a Visitor")[1:3]
    assert "Homepage hero           variant" in first and "cs_personalize_0_0" in first
    assert "x-cs-variant-uid header: cs_personalize_0_0." in first
    assert second.startswith(" — a number sent as text ==")
    assert 'What went wrong: lifetime_orders was sent as the text "5", not the number 5.' in second
    single = out.split("== Get a Single Experience ==", 1)[1].split("\n== ", 1)[0]
    assert re.search(rf"Audiences: +Australian Users +{data.AUSTRALIA_AUDIENCE_UID}\n", single)
    assert "…" not in single
    assert f'custom attribute "{data.LOYALTY_TIER_ATTRIBUTE_UID}" (deleted attribute) equals 3' in out
    assert "(s)" not in out.replace("Get Audience(s) of a Variant", "")
    assert "1 experience is not in the priority list" in out
