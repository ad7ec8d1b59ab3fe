"""What the benchmarks take from answers is found by name and walked by cursor (bench/finding.py), and a
missing thing stops a benchmark with one line naming it, not a traceback from inside a task group."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client

from personalize_mcp.sandbox import data

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from finding import BenchFailure, named, walk  # noqa: E402

pytestmark = pytest.mark.anyio


async def test_a_walk_follows_every_cursor_to_the_last_page(client: Client) -> None:
    groups = await walk(client, "list_variant_groups", "variant_groups", stack_api_key=data.BIG_STACK_API_KEY)
    assert len(groups) == data.BIG_STACK_GROUP_COUNT  # three pages of at most 50
    assert len({group["uid"] for group in groups}) == len(groups)


async def test_a_thing_is_found_by_name_wherever_it_is_listed(client: Client) -> None:
    stacks = await walk(client, "list_stacks", "stacks")
    assert named(stacks, "Website", "stack")["api_key"] == data.MAIN_STACK_API_KEY


async def test_a_missing_thing_is_one_sentence_naming_it(client: Client) -> None:
    stacks = await walk(client, "list_stacks", "stacks")
    with pytest.raises(BenchFailure) as caught:
        named(stacks, "Intranet", "stack")
    assert str(caught.value).startswith("no stack with name 'Intranet' (the 4 there: ")
    assert "'Website'" in str(caught.value) and "\n" not in str(caught.value)


async def test_an_error_answer_is_a_failure_quoting_the_server(client: Client) -> None:
    with pytest.raises(BenchFailure, match=r"^list_variants\(stack_api_key='nope', .*\) answered an error: "):
        await walk(client, "list_variants", "variants", stack_api_key="nope", variant_group_uid="nope")


def test_a_failure_deep_in_task_groups_ends_the_script_with_one_line(tmp_path: Path) -> None:
    script = tmp_path / "missing.py"
    script.write_text(
        "import anyio\n"
        "from finding import BenchFailure, run_main\n"
        "async def main(_):\n"
        "    async def fails():\n"
        "        raise BenchFailure('no stack with name \\'Website\\' (the 0 there: none)')\n"
        "    async with anyio.create_task_group() as outer:\n"
        "        async with anyio.create_task_group() as inner:\n"
        "            inner.start_soon(fails)\n"
        "run_main(main, None)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], env={"PYTHONPATH": str(BENCH)}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stderr == "missing.py: no stack with name 'Website' (the 0 there: none)\n"
    assert done.stdout == ""
