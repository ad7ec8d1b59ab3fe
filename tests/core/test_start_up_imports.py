"""What a stdio client waits for at each launch (spawn -> first tools/list) must not grow back: the
start-up path imports what the chosen mode needs and nothing else. Exact, not timed: the real server
over stdio, through a real client, records the modules it has imported when it answers its first
tools/list, and these assert which must NOT be there yet (bench/README.md has the times this keeps)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from personalize_mcp.auth.store import AccountStore
from tests.auth.helpers import make_account

PROBE = Path(__file__).with_name("start_up_probe.py")
SERVER_DIR = Path(__file__).resolve().parents[2] / "server"

pytestmark = pytest.mark.anyio

NEVER_OVER_STDIO = (
    "personalize_mcp.transport.http_app",  # Streamable HTTP and what it wraps the app in
    "personalize_mcp.transport.uvicorn_server",
    "personalize_mcp.transport.http_options",
    "personalize_mcp.transport.jwt_verifier",  # the OAuth resource server
    "personalize_mcp.transport.issuer_keys",
    "personalize_mcp.auth.login",  # `login` and the other account commands
    "personalize_mcp.auth.listener",
    "personalize_mcp.auth.commands",
    "personalize_mcp.demo",
    "personalize_mcp.broker",  # `--auth broker` (HTTP)
    "personalize_mcp.store.redis_store",
    "authlib",  # a token request (login, refresh) imports it
    "filelock",  # taking the account's lock (refresh, save) imports it
    "jwt",
    "redis",
    "httpcore2",  # the HTTP client is made by the first upstream request, not at start
    "h11",
    "truststore",
)
ONLY_WITH_WRITES = (
    "personalize_mcp.answers.writes",  # `serve --writes drafts|all`
    "personalize_mcp.mcp_server.tools.writes",
    "personalize_mcp.contentstack.personalize_writes",
    "personalize_mcp.rules.compose",
    "personalize_mcp.store",  # plans and approvals
    "sqlite3",
)


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """Which of `names` (or a submodule of one) are in `modules`."""
    return sorted({name for name in names for module in modules if module == name or module.startswith(name + ".")})


async def started(home: Path, tmp_path: Path, *flags: str) -> tuple[list[str], set[str]]:
    """The modules imported when the first tools/list was answered, and the tools it listed."""
    record = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTENTSTACK_", "PERSONALIZE_MCP_"))}
    env.update(PYTHONPATH=str(SERVER_DIR), PERSONALIZE_MCP_HOME=str(home), START_UP_MODULES=str(record))
    params = StdioServerParameters(command=sys.executable, args=[str(PROBE), *flags], env=env)
    async with Client(params) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
    modules: list[str] = json.loads(record.read_text())
    return modules, tools


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    AccountStore(folder).save(make_account())
    return folder


async def test_a_stored_account_over_stdio_starts_without_other_modes(home: Path, tmp_path: Path) -> None:
    modules, tools = await started(home, tmp_path)
    assert len(tools) == 23
    assert {"personalize_mcp.auth.session", "personalize_mcp.mcp_server.tools.insights"} <= set(modules)
    assert loaded(modules, ("personalize_mcp.sandbox", *NEVER_OVER_STDIO, *ONLY_WITH_WRITES)) == []


async def test_writes_on_bring_the_write_code_and_no_other_mode(home: Path, tmp_path: Path) -> None:
    modules, tools = await started(home, tmp_path, "--writes", "all")
    assert len(tools) == 27 and {"plan_change", "apply_change", "undo_change", "list_changes"} <= tools
    assert {"personalize_mcp.mcp_server.tools.writes", "personalize_mcp.contentstack.personalize_writes"} <= set(
        modules
    )
    first_call = (  # planning, undo and apply: imported by the first call that needs them
        "personalize_mcp.answers.writes.planner",
        "personalize_mcp.answers.writes.inverse",
        "personalize_mcp.answers.writes.engine",
        "personalize_mcp.answers.writes.plan_audiences",
        "personalize_mcp.rules.compose",
    )
    assert loaded(modules, (*first_call, "personalize_mcp.sandbox", *NEVER_OVER_STDIO)) == []


async def test_fewer_toolsets_import_fewer_answers(home: Path, tmp_path: Path) -> None:
    modules, tools = await started(home, tmp_path, "--toolsets", "core")
    assert "get_variant_audiences" in tools and "simulate_visitor" not in tools
    others = (
        "personalize_mcp.mcp_server.tools.catalogue",
        "personalize_mcp.mcp_server.tools.results",
        "personalize_mcp.mcp_server.tools.simulation",
        "personalize_mcp.mcp_server.tools.insights",
        "personalize_mcp.answers.results",  # analytics
        "personalize_mcp.answers.timeseries",
        "personalize_mcp.answers.simulation",
        "personalize_mcp.answers.insights",
        "personalize_mcp.rules.evaluate",
    )
    assert loaded(modules, (*others, "personalize_mcp.sandbox", *NEVER_OVER_STDIO, *ONLY_WITH_WRITES)) == []


async def test_the_sandbox_starts_without_reading_accounts(home: Path, tmp_path: Path) -> None:
    modules, tools = await started(home, tmp_path, "--sandbox")
    assert len(tools) == 23 and "personalize_mcp.sandbox.app" in modules
    accounts = ("personalize_mcp.auth.session", "personalize_mcp.auth.store", "personalize_mcp.auth.credentials")
    assert loaded(modules, (*accounts, *NEVER_OVER_STDIO, *ONLY_WITH_WRITES)) == []
