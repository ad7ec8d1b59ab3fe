"""`--cache-ttl`, `--no-cache` and `--deadline`: parsed, checked, and carried to the server."""

from __future__ import annotations

import pytest

from personalize_mcp.cli import build_parser
from personalize_mcp.mcp_app import build_server
from personalize_mcp.runtime import open_actions
from personalize_mcp.serve import resilience_options
from tests.conftest import Sandbox


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"cache_ttl": 30.0, "deadline": 30.0}),
        (["--cache-ttl", "5", "--deadline", "2.5"], {"cache_ttl": 5.0, "deadline": 2.5}),
        (["--cache-ttl", "0"], {"cache_ttl": 0.0, "deadline": 30.0}),
        (["--no-cache", "--cache-ttl", "60"], {"cache_ttl": 0.0, "deadline": 30.0}),
    ],
)
def test_flags(argv: list[str], expected: dict[str, float]) -> None:
    args = build_parser().parse_args(["serve", *argv])
    assert resilience_options(args) == expected


@pytest.mark.parametrize(
    "argv", [["--deadline", "0"], ["--deadline", "soon"], ["--cache-ttl", "-1"], ["--cache-ttl", "inf"]]
)
def test_bad_values_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["serve", *argv])
    assert exit_.value.code == 2
    assert argv[0] in capsys.readouterr().err


@pytest.mark.anyio
async def test_the_values_reach_the_server(sandbox: Sandbox) -> None:
    async with open_actions(sandbox.connection(), cache_ttl=0, deadline=2.5) as actions:
        assert actions.cache_ttl == 0 and actions.deadline == 2.5
        assert build_server(actions).deadline == 2.5
