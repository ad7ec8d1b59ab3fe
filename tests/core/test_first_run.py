"""A first run that explains itself: `serve` over stdio starts whatever the configuration, says on
one stderr line what answers, and every tool answers with the sentence that fixes a bad setting.
Over HTTP, where a person reads the terminal, a bad setting is still refused (exit 2)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from personalize_mcp import __version__, cli
from personalize_mcp.auth.credentials import StoredAccountCredentials
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.settings import ConnectionSettings, ServerSettings
from personalize_mcp.connection.sandbox import sandbox_connection
from personalize_mcp.connection.stack import Connection
from personalize_mcp.runtime.errors import NotConnectedError
from personalize_mcp.transport import serve
from personalize_mcp.transport.serve import SANDBOX_SUMMARY, LookupOptions, Setup, describe
from tests.auth.helpers import make_account
from tests.core.test_stdio_end_to_end import subprocess_env
from tests.helpers import CONTRACT_TOOLS, call_error

TOOLS = len(CONTRACT_TOOLS)


def corrupt_account(home: Path) -> None:
    (home / "accounts").mkdir(parents=True)
    (home / "accounts" / "default.json").write_text("{not json")


def nothing(home: Path) -> None:
    return None


BAD_SETTINGS: list[tuple[str, dict[str, str], Callable[[Path], None], str]] = [
    (
        "the placeholder default project of an example config",
        {"CONTENTSTACK_PERSONALIZE_PROJECT_ID": "<optional default project uid>"},
        nothing,
        "CONTENTSTACK_PERSONALIZE_PROJECT_ID '<optional default project uid>' is not a project uid",
    ),
    (
        "an unknown region",
        {"CONTENTSTACK_REGION": "mars"},
        nothing,
        "Unknown Contentstack region 'mars' in CONTENTSTACK_REGION; use one of: na, eu,",
    ),
    ("a corrupt account file", {}, corrupt_account, "default.json is unreadable (it is not valid JSON)"),
]


@pytest.mark.anyio
async def test_a_bad_setting_never_keeps_the_stdio_server_from_starting(tmp_path: Path) -> None:
    """Each bad setting in its own `serve` subprocess (started side by side: the suite stays fast)."""

    async def check(
        index: int, setting: str, env: dict[str, str], prepare: Callable[[Path], None], sentence: str
    ) -> None:
        home = tmp_path / f"home{index}"
        prepare(home)
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "personalize_mcp", "serve"],
            env=subprocess_env(PERSONALIZE_MCP_HOME=str(home), **env),
        )
        with tempfile.TemporaryFile("w+") as stderr:
            async with Client(stdio_client(params, errlog=stderr)) as client:
                assert len((await client.list_tools()).tools) == TOOLS, setting
                message = await call_error(client, "list_projects")
                assert sentence in message, setting
                assert sentence in await call_error(client, "get_single_audience", {"audience_uid": "a1"}), setting
            stderr.seek(0)
            lines = stderr.read().splitlines()
        # Warnings about the setting (say, a folder others can read) may come first; then the one start-up line.
        start_up = [line for line in lines if line.startswith("personalize-mcp ")]
        assert start_up == [f"personalize-mcp {__version__} serving MCP over stdio: {expected_line_end(message)}"], (
            setting,
            lines,
        )
        checked.append(setting)

    checked: list[str] = []
    async with anyio.create_task_group() as group:
        for index, case in enumerate(BAD_SETTINGS):
            group.start_soon(check, index, *case)
    assert len(checked) == len(BAD_SETTINGS)


def expected_line_end(message: str) -> str:
    if "account file" in message:
        return f"no usable account — every tool answers: {message}"
    return f"NOT USABLE until the configuration is fixed — every tool answers: {message}"


def test_over_http_a_bad_setting_is_still_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PERSONALIZE_MCP_HOME", str(tmp_path))
    monkeypatch.setenv("CONTENTSTACK_REGION", "mars")
    assert cli.main(["serve", "--transport", "http", "--port", "0"]) == 2
    assert capsys.readouterr().err.strip() == (
        "personalize-mcp: Unknown Contentstack region 'mars' in CONTENTSTACK_REGION; "
        "use one of: na, eu, au, azure-na, azure-eu, gcp-na, gcp-eu."
    )


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Setup]:
    """`serve` up to the point where it would serve stdio: the set-up it would serve with."""
    seen: list[Setup] = []

    async def fake_serve(setup: Setup) -> None:
        seen.append(setup)

    monkeypatch.setattr(serve, "_serve", fake_serve)
    monkeypatch.setenv("PERSONALIZE_MCP_HOME", str(tmp_path))
    return seen


def test_a_bad_flag_over_stdio_is_the_answer_of_every_tool(
    served: list[Setup], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--sandbox", "--deadline", "0"]) == 0
    (setup,) = served
    assert setup.problem == "--deadline must be a positive number of seconds, got 0.0."
    with pytest.raises(NotConnectedError, match=r"^--deadline must be a positive number of seconds, got 0\.0\.$"):
        anyio.run(setup.connection.credentials.access_token)
    assert "--deadline must be a positive number" in capsys.readouterr().err


def test_http_flags_with_stdio_are_named_not_silently_ignored(
    served: list[Setup], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--sandbox", "--port", "9000", "--allowed-origin", "https://app.example"]) == 0
    assert served
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "personalize-mcp: --port, --allowed-origin only apply with --transport http; "
        "serving MCP over stdio without them."
    )
    assert err[1] == f"personalize-mcp {__version__} serving MCP over stdio: {SANDBOX_SUMMARY}"
    assert SANDBOX_SUMMARY == "the sandbox — sample data, not your account"


def test_without_http_flags_stdio_says_nothing_about_them(
    served: list[Setup], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--sandbox"]) == 0
    assert capsys.readouterr().err.count("\n") == 1  # the start-up line alone


def test_the_start_up_line_names_account_organisation_and_region_never_a_token(tmp_path: Path) -> None:
    account = make_account(access_token="access-token-SECRET", refresh_token="refresh-token-SECRET", region="eu")
    settings = ConnectionSettings.resolve(account.connection.to_overrides())
    credentials = StoredAccountCredentials(AccountStore(tmp_path), account, settings)
    setup = Setup(ServerSettings(), Connection(settings, credentials), LookupOptions(30, 30))
    line = describe(setup)
    assert line == "account 'default', organisation Northwind (blt-org), region eu"
    assert "SECRET" not in line


def test_the_start_up_line_says_the_sandbox_is_not_your_account() -> None:
    setup = Setup(ServerSettings(sandbox=True), sandbox_connection(), LookupOptions(30, 30))
    assert describe(setup) == "the sandbox — sample data, not your account"


def every_option(parser: argparse.ArgumentParser, path: str = "personalize-mcp") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += every_option(sub, f"{path} {name}")
        elif action.option_strings and not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            found.append((f"{path} {action.option_strings[0]}", action))
    return found


def test_every_flag_has_help_that_names_its_default() -> None:
    options = every_option(cli.build_parser())
    assert len(options) > 25
    missing = [name for name, action in options if not action.help or "default" not in action.help]
    assert missing == []


def test_the_start_up_line_says_which_toolsets_and_writes_the_operator_turned_on(
    served: list[Setup], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--sandbox", "--toolsets", "core,results", "--writes", "drafts"]) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"personalize-mcp {__version__} serving MCP over stdio: {SANDBOX_SUMMARY}; toolsets core, results; "
        "writes drafts (--confirm elicitation)"
    )
