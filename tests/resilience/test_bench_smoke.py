"""The benchmarks are run by hand, but their harness must not rot: one quick benchmark of each script
runs here (the sandbox as a process, a stored account, `personalize-mcp serve` over stdio, the report)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_answer_size_benchmark_runs() -> None:
    done = subprocess.run(
        [sys.executable, "run.py", "--only", "4", "--quick"],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4. answer size" in done.stdout
    assert "all list tools together" in done.stdout


def test_the_scale_benchmark_runs(tmp_path: Path) -> None:
    """`bench/scale.py` on a tiny generated account (k = 1): the sandbox's `--scale`, our server warm,
    the bare server's raw listing, the report and its JSON."""
    figures = tmp_path / "scale.json"
    done = subprocess.run(
        [sys.executable, "scale.py", "--scales", "1", "--quick", "--json", str(figures)],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "### Growth: bytes" in done.stdout
    [run] = json.loads(figures.read_text())["runs"]
    assert run["counts"]["audiences"] == 5
    rows = {row["label"]: row for row in run["rows"]}
    assert {"get_all_audiences", "list_variants (big group)", "get_all_versions (broad experience)"} <= rows.keys()
    assert rows["get_all_audiences"]["bytes"] > 0 and rows["get_all_audiences"]["warm_requests"] == 0
    assert rows["list_variants (big group)"]["upstream"] == 25
    assert any(line["what"].startswith("warm full listing of all 5 audiences") for line in run["lines"])


def test_the_audit_benchmark_runs(tmp_path: Path) -> None:
    """`bench/audit.py` on a tiny generated account (k = 1): the old prompt's fan-out, then one audit call."""
    figures = tmp_path / "audit.json"
    done = subprocess.run(
        [sys.executable, "audit.py", "--scales", "1", "--quick", "--json", str(figures)],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "old prompt's fan-out" in done.stdout
    [run] = json.loads(figures.read_text())["runs"]
    assert run["audit"]["calls"] == 1 and run["warm"]["requests"] == 0
    assert run["prompt"]["calls"] == 2 + run["counts"]["experiences"]  # one page of each list at k = 1
    assert run["audit"]["extra"]["audited"] == run["counts"]["experiences"]


def test_the_tool_sizes_benchmark_runs(tmp_path: Path) -> None:
    """`bench/tool_sizes.py` against this commit's own snapshot: every tool measured, the default set in budget."""
    figures = tmp_path / "sizes.json"
    done = subprocess.run(
        [sys.executable, "tool_sizes.py", "--baseline-rev", "HEAD", "--json", str(figures)],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "**tools/list, default set**" in done.stdout
    measured = json.loads(figures.read_text())
    assert len(measured["rows"]) == 23 and {row["toolset"] for row in measured["rows"]} == set(measured["per_toolset"])
    assert 10_000 < measured["total_after"] <= 24_000


def test_the_writes_benchmark_runs() -> None:
    """`bench/writes.py --quick`: a server with writes over stdio, four actions planned and applied, the report."""
    done = subprocess.run(
        [sys.executable, "writes.py", "--quick"], cwd=BENCH, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1. upstream requests per applied plan" in done.stdout
    assert "update_audience (2 / 2)" in done.stdout and "all actions" in done.stdout
