"""What `serve --transport http` refuses at start (exit 2, one sentence) for the broker and shared state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from personalize_mcp.cli.parser import build_parser
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.transport.http_options import HTTPOptions
from personalize_mcp.transport.shared_state import SharedState
from tests.broker.support import SECRET_KEYS
from tests.core.test_stdio_end_to_end import subprocess_env
from tests.helpers import assert_one_sentence

APP = {"CONTENTSTACK_OAUTH_APP_UID": "6655a4b6f2d8e5c3b1000002", "CONTENTSTACK_OAUTH_CLIENT_ID": "Nw7bRk3xQ9mV2pL5"}
BROKER = ["--auth", "broker", "--public-url", "https://mcp.example.com", "--organization-uid", "blt5a1e9c2f7d3b4e60"]


def options(monkeypatch: pytest.MonkeyPatch, *flags: str, env: dict[str, str] | None = None) -> HTTPOptions:
    for name in ("CONTENTSTACK_OAUTH_APP_UID", "CONTENTSTACK_OAUTH_CLIENT_ID", "CONTENTSTACK_OAUTH_REDIRECT_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env if env is not None else APP).items():
        monkeypatch.setenv(name, value)
    return HTTPOptions.from_args(build_parser().parse_args(["serve", "--transport", "http", *flags]))


def state(*flags: str, keys: bool = True, broker: bool = False) -> SharedState:
    env = {"PERSONALIZE_MCP_SECRET_KEYS": SECRET_KEYS} if keys else {}
    return SharedState.from_args(build_parser().parse_args(["serve", *flags]), env, Path("/tmp/h"), broker=broker)


def test_broker_settings_from_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = options(monkeypatch, *BROKER, "--host", "0.0.0.0")  # a public bind is fine: people sign in
    assert chosen.broker is not None
    assert chosen.broker.app.redirect_uri == "https://mcp.example.com/oauth/callback"
    assert chosen.broker.resource_url == "https://mcp.example.com/mcp"
    assert chosen.oauth is None


@pytest.mark.parametrize(
    ("flags", "env", "words"),
    [
        (["--auth", "broker", "--organization-uid", "blt5a1e9c2f7d3b4e60"], APP, "--public-url"),
        (["--auth", "broker", "--public-url", "https://mcp.example.com"], APP, "--organization-uid"),
        (BROKER, {}, "CONTENTSTACK_OAUTH_APP_UID"),
        ([*BROKER[:2], "--public-url", "http://mcp.example.com", *BROKER[4:]], APP, "https"),
        ([*BROKER[:2], "--public-url", "https://mcp.example.com/path", *BROKER[4:]], APP, "without a path"),
        ([*BROKER, "--oauth-issuer", "https://auth.example"], APP, "drop --oauth-issuer"),
        ([*BROKER, "--sandbox"], APP, "in-process sandbox"),
        (
            BROKER,
            {**APP, "CONTENTSTACK_OAUTH_REDIRECT_URI": "http://localhost:8184"},
            "CONTENTSTACK_OAUTH_REDIRECT_URI",
        ),
        (["--public-url", "https://mcp.example.com"], APP, "only apply with --auth broker"),
        (["--auth", "resource"], APP, "needs --oauth-issuer"),
    ],
)
def test_broker_flags_refused(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], env: dict[str, str], words: str
) -> None:
    with pytest.raises(ConfigurationError, match=words) as refused:
        options(monkeypatch, *flags, env=env)
    assert_one_sentence(refused.value.message)


def test_shared_state_defaults_and_refusals() -> None:
    local = state(keys=False)
    assert (local.store_url, local.shared_limiter) == ("sqlite:////tmp/h/state.sqlite3", False)
    shared = state("--store", "redis://:pw@redis.internal:6379/0")
    assert shared.shared_limiter
    assert "pw" not in shared.summary and "shared by every replica" in shared.summary
    for flags, keys, broker, words in [
        (["--store", "redis://redis.internal/0"], False, False, "needs PERSONALIZE_MCP_SECRET_KEYS"),
        ([], False, True, "--auth broker needs PERSONALIZE_MCP_SECRET_KEYS"),
        (["--store", "redis://redis.internal/0", "--rate-limiter", "process"], True, False, "must share"),
        (["--rate-limiter", "shared"], True, False, "needs --store redis"),
        (["--store", "postgres://db/x"], True, False, "not a kind of store"),
    ]:
        with pytest.raises(ConfigurationError, match=words) as refused:
            state(*flags, keys=keys, broker=broker)
        assert_one_sentence(refused.value.message)


@pytest.mark.parametrize(
    ("flags", "env", "words"),
    [
        (["--store", "redis://127.0.0.1:1/0"], {}, "needs PERSONALIZE_MCP_SECRET_KEYS"),
        (
            ["--store", "redis://127.0.0.1:1/0", "--rate-limiter", "process"],
            {"PERSONALIZE_MCP_SECRET_KEYS": SECRET_KEYS},
            "must share Contentstack's rate limit",
        ),
        (BROKER, APP, "--auth broker needs PERSONALIZE_MCP_SECRET_KEYS"),
    ],
)
def test_refused_at_start_with_exit_2(flags: list[str], env: dict[str, str], words: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "personalize_mcp", "serve", "--transport", "http", "--port", "0", *flags],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(**env),
    )
    assert completed.returncode == 2, completed.stderr
    assert words in completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("personalize-mcp: ")
    assert_one_sentence(lines[0].removeprefix("personalize-mcp: "))


def test_every_broker_and_store_flag_is_in_the_readme() -> None:
    import argparse
    import re

    from personalize_mcp.cli.broker_arguments import add_broker_arguments, add_store_arguments

    parser = argparse.ArgumentParser(add_help=False)
    add_broker_arguments(parser)
    add_store_arguments(parser)
    flags = set(re.findall(r"--[a-z][a-z-]+", parser.format_help()))
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Serving over HTTP", 1)[1].split("\n## Tools", 1)[0]
    assert {"--auth", "--public-url", "--organization-uid", "--store", "--rate-limiter"} <= flags
    assert not sorted(flag for flag in flags if f"`{flag}" not in section)
    assert "`PERSONALIZE_MCP_SECRET_KEYS`" in readme.split("## Deploying", 1)[1].split("\n## ", 1)[0]
