"""`serve --cache-ttl / --no-cache / --deadline`: parsed, checked, and threaded into the actions."""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from personalize_mcp import cli
from personalize_mcp.answers.lookups import DEFAULT_CACHE_TTL
from personalize_mcp.cli import add_resilience_arguments, build_parser
from personalize_mcp.runtime.deadline import DEFAULT_DEADLINE
from personalize_mcp.transport import lookup_options
from personalize_mcp.transport.serve import LookupOptions

ROOT = Path(__file__).resolve().parents[2]


def options(*argv: str) -> LookupOptions:
    return LookupOptions.from_args(build_parser().parse_args(["serve", *argv]))


def test_defaults_match_the_code() -> None:
    assert options() == LookupOptions(cache_ttl=DEFAULT_CACHE_TTL, deadline=DEFAULT_DEADLINE)
    assert options() == LookupOptions(cache_ttl=30, deadline=30)


def test_flags() -> None:
    assert options("--cache-ttl", "90", "--deadline", "12.5") == LookupOptions(cache_ttl=90, deadline=12.5)
    assert options("--no-cache").cache_ttl == 0
    assert options("--cache-ttl", "0").cache_ttl == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--deadline", "0"], "--deadline must be a positive number of seconds, got 0.0."),
        (["--deadline", "nan"], "--deadline must be a positive number of seconds, got nan."),
        (["--cache-ttl", "-1"], "--cache-ttl must be 0 or more seconds, got -1.0."),
        (["--cache-ttl", "inf"], "--cache-ttl must be 0 or more seconds, got inf."),
        (["--max-upstream-bytes", "10"], "--max-upstream-bytes must be at least 1024, got 10."),
    ],
)
def test_bad_values_are_one_sentence_and_exit_2_over_http(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Over stdio the server starts anyway and every tool answers this sentence (tests/core/test_first_run.py).
    assert cli.main(["serve", "--sandbox", "--transport", "http", "--port", "0", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"personalize-mcp: {message}"


def test_no_cache_and_cache_ttl_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["serve", "--no-cache", "--cache-ttl", "5"])
    assert exited.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_the_flags_reach_open_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class Stop(Exception):
        pass

    @asynccontextmanager
    async def fake_open_lookups(connection: object, **kwargs: Any) -> AsyncIterator[None]:
        seen.update(kwargs)
        raise Stop
        yield

    monkeypatch.setattr(lookup_options, "open_lookups", fake_open_lookups)
    with pytest.raises(Stop):
        cli.main(["serve", "--sandbox", "--no-cache", "--deadline", "7"])
    assert seen["cache_ttl"] == 0 and seen["deadline"] == 7
    assert seen["max_response_bytes"] == 16 * 1024 * 1024


def test_max_upstream_bytes_reaches_open_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class Stop(Exception):
        pass

    @asynccontextmanager
    async def fake_open_lookups(connection: object, **kwargs: Any) -> AsyncIterator[None]:
        seen.update(kwargs)
        raise Stop
        yield

    monkeypatch.setattr(lookup_options, "open_lookups", fake_open_lookups)
    with pytest.raises(Stop):
        cli.main(["serve", "--sandbox", "--max-upstream-bytes", "2048"])
    assert seen["max_response_bytes"] == 2048


def test_every_resilience_flag_is_in_the_readme() -> None:
    parser = argparse.ArgumentParser(add_help=False)
    add_resilience_arguments(parser)
    flags = set(re.findall(r"--[a-z][a-z-]+", parser.format_help()))
    assert flags == {"--cache-ttl", "--no-cache", "--deadline", "--max-upstream-bytes"}
    section = (ROOT / "README.md").read_text().split("## Resilience", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{flag}" in section for flag in flags), section
