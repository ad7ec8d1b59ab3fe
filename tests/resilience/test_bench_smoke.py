"""The benchmarks are run by hand, but their harness must not rot: one quick benchmark runs here
(the sandbox as a process, a stored account, `personalize-mcp serve` over stdio, the report)."""

from __future__ import annotations

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
