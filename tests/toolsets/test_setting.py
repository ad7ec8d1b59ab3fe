"""The setting: `serve --toolsets LIST` / `PERSONALIZE_MCP_TOOLSETS`, checked once, at start.

Unit checks of the parsing, then the real command: over stdio a bad name still starts the server
and every tool answers the sentence (as for every bad setting); over HTTP it exits 2 with it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from mcp import Client, StdioServerParameters

from personalize_mcp.config.settings import ENV_TOOLSETS, ServerSettings
from personalize_mcp.config.toolsets import TOOLSET_NAMES, parse_toolsets
from personalize_mcp.runtime.errors import ConfigurationError
from tests.core.test_stdio_end_to_end import subprocess_env
from tests.helpers import assert_one_sentence, call_error, call_ok
from tests.toolsets.test_choosing import MEMBERS

SENTENCE = "the toolsets are core, catalogue, results, simulation, insights (or all)."


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        (None, TOOLSET_NAMES),
        ("", TOOLSET_NAMES),
        (" , ", TOOLSET_NAMES),
        ("all", TOOLSET_NAMES),
        ("core,all", TOOLSET_NAMES),
        ("core", ("core",)),
        ("insights, Core ,CORE", ("core", "insights")),  # any case, spaces, repeats; table order
        ("simulation,results,catalogue", ("catalogue", "results", "simulation")),
    ],
)
def test_names_are_read_in_table_order(text: str | None, chosen: tuple[str, ...]) -> None:
    assert parse_toolsets(text, source="--toolsets") == chosen


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("core,writes", "'writes'"),  # writes come with --writes, never by name
        ("cor", "'cor'"),
        ("nope, other,core", "'nope', 'other'"),
        ("x\ny" + "z" * 100, "'x\\nyzzzz"),
    ],
)
def test_an_unknown_name_is_one_sentence_listing_the_valid_ones(text: str, shown: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_toolsets(text, source=ENV_TOOLSETS)
    message = raised.value.message
    assert_one_sentence(message)
    assert message.startswith(f"Unknown toolset {shown}")
    assert message.endswith(f" in {ENV_TOOLSETS}; {SENTENCE}")


def test_the_flag_wins_over_the_environment() -> None:
    env = {ENV_TOOLSETS: "results"}
    assert ServerSettings.from_env(env).toolsets == ("results",)
    assert ServerSettings.from_env(env, toolsets="core,simulation").toolsets == ("core", "simulation")
    assert ServerSettings.from_env({ENV_TOOLSETS: ""}).toolsets == TOOLSET_NAMES  # a bundle's empty setting
    with pytest.raises(ConfigurationError, match="in --toolsets;"):
        ServerSettings.from_env(env, toolsets="nope")


def serve_stdio(*flags: str, **env: str) -> StdioServerParameters:
    command = ["-m", "personalize_mcp", "serve", "--sandbox", *flags]
    return StdioServerParameters(command=sys.executable, args=command, env=subprocess_env(**env))


@pytest.mark.anyio
async def test_stdio_offers_the_toolsets_of_the_environment() -> None:
    async with Client(serve_stdio(**{ENV_TOOLSETS: "results,simulation"})) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
    assert tools == MEMBERS["results"] | MEMBERS["simulation"]


@pytest.mark.anyio
async def test_stdio_with_an_unknown_name_starts_and_every_tool_answers_the_sentence() -> None:
    async with Client(serve_stdio("--toolsets", "core,nope")) as client:
        tools = (await client.list_tools()).tools
        message = await call_error(client, "list_projects")
        connection = await call_ok(client, "get_connection")
    assert {tool.name for tool in tools} == set().union(*MEMBERS.values())
    assert message == f"Unknown toolset 'nope' in --toolsets; {SENTENCE}"
    assert connection["connected"] is False and connection["note"] == message


def test_http_with_an_unknown_name_exits_2_with_the_sentence() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "personalize_mcp", "serve", "--sandbox", "--transport", "http", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(**{ENV_TOOLSETS: "core,insight"}),
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"personalize-mcp: Unknown toolset 'insight' in {ENV_TOOLSETS}; {SENTENCE}"
    ]


def test_serve_help_names_the_setting() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "personalize_mcp", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
        check=True,
    )
    assert "--toolsets" in completed.stdout and "simulation" in completed.stdout
