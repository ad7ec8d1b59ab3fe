"""The MCP Bundle, installed and started as Claude Desktop does it.

`.ci/run` validates `manifest.json` and packs the bundle with `npx -y @anthropic-ai/mcpb`, and
hands its path over in PERSONALIZE_MCP_BUNDLE (elsewhere the test packs it itself when npx is
there, and skips when it is not, unless PERSONALIZE_MCP_REQUIRE_BUNDLE=1 says it must run). The
bundle is unzipped into a folder whose path has a space in it, its `mcp_config` is resolved the way
the mcpb reference implementation does (`${__dirname}`, `${user_config.*}` with the manifest's
defaults under the user's values), and the command runs in the user's environment: `uv run`
installs the dependencies from the bundle's `pyproject.toml` and starts the server over stdio.
The user has logged in before (an account in their config folder, pointing at the sandbox served
on loopback) and filled in the bundle's settings; the tools answer from that account.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from pydantic import SecretStr

import personalize_mcp
from personalize_mcp.auth.account import OrganizationInfo, StoredAccount, StoredConnection
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.settings import ConnectionOverrides, ServerSettings, default_home
from personalize_mcp.config.toolsets import TOOLSET_NAMES
from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, data, sandbox_base_urls
from tests.conftest import Sandbox
from tests.helpers import CONTRACT_TOOLS, call_ok

ROOT = Path(__file__).resolve().parents[2]
MCPB = "@anthropic-ai/mcpb@2.1.2"
REQUIRE = os.environ.get("PERSONALIZE_MCP_REQUIRE_BUNDLE") == "1"
SCRIPTS = Path(sys.executable).parent


def packed_bundle(tmp_path: Path) -> Path:
    given = os.environ.get("PERSONALIZE_MCP_BUNDLE")
    if given:
        return Path(given)
    npx = shutil.which("npx")
    if npx is None:
        if REQUIRE:
            pytest.fail("npx is not installed, and PERSONALIZE_MCP_REQUIRE_BUNDLE=1 says the bundle test must run")
        pytest.skip("npx (Node.js) is not installed, so the bundle cannot be packed")
    output = tmp_path / "contentstack-personalize-mcp.mcpb"
    packed = subprocess.run(
        [npx, "-y", MCPB, "pack", str(ROOT), str(output)], capture_output=True, text=True, timeout=300, check=False
    )
    assert packed.returncode == 0, packed.stdout[-2000:] + packed.stderr[-2000:]
    return output


def replace_variables(value: Any, variables: dict[str, str]) -> Any:
    """`replaceVariables` of @anthropic-ai/mcpb (src/shared/config.ts), for string values."""
    if isinstance(value, str):
        for key, replacement in variables.items():
            value = value.replace("${" + key + "}", replacement)
        return value
    if isinstance(value, list):
        return [replace_variables(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: replace_variables(item, variables) for key, item in value.items()}
    return value


def mcp_config(manifest: dict[str, Any], extension_path: Path, user_config: dict[str, str]) -> dict[str, Any]:
    """`getMcpConfigForManifest`: the manifest's defaults, then the user's values, then substitution."""
    merged = {key: option["default"] for key, option in manifest.get("user_config", {}).items() if "default" in option}
    merged.update(user_config)
    variables = {"__dirname": str(extension_path), "pathSeparator": os.sep, "/": os.sep, "HOME": str(Path.home())}
    variables.update({f"user_config.{key}": str(value) for key, value in merged.items()})
    resolved: dict[str, Any] = replace_variables(manifest["server"]["mcp_config"], variables)
    return resolved


def test_unset_settings_become_empty_values_that_mean_unset() -> None:
    """With the defaults ("") an untouched setting is an empty variable, never a literal placeholder,
    and an empty variable means "not set" (else a region of '${user_config.region}' would stop
    every tool)."""
    manifest = json.loads((ROOT / "manifest.json").read_text())
    env = mcp_config(manifest, Path("/x"), {})["env"]
    assert env == {
        "PERSONALIZE_MCP_ACCOUNT": "",
        "CONTENTSTACK_REGION": "",
        "CONTENTSTACK_PERSONALIZE_PROJECT_ID": "",
        "PERSONALIZE_MCP_TOOLSETS": "",
    }
    assert ConnectionOverrides.from_env(env) == ConnectionOverrides()
    settings = ServerSettings.from_env(env)
    assert (settings.account_name, settings.default_project_uid) == (None, None)
    assert settings.toolsets == TOOLSET_NAMES
    assert not any(option.get("sensitive") for option in manifest["user_config"].values())


def test_the_toolsets_setting_reaches_serve() -> None:
    manifest = json.loads((ROOT / "manifest.json").read_text())
    env = mcp_config(manifest, Path("/x"), {"toolsets": "core, Results"})["env"]
    assert ServerSettings.from_env(env).toolsets == ("core", "results")


@pytest.mark.anyio
async def test_the_packed_bundle_starts_as_claude_desktop_starts_it(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = packed_bundle(tmp_path)
    extension = tmp_path / "Claude Extensions" / "contentstack-personalize-mcp"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(extension)
    assert not [n for n in names if n.startswith(("tests/", "bench/", ".venv/", ".git/")) or "__pycache__" in n]
    manifest = json.loads((extension / "manifest.json").read_text())
    assert manifest["version"] == personalize_mcp.__version__
    assert manifest["server"]["type"] == "uv"
    assert (extension / manifest["server"]["entry_point"]).is_file()

    # The user: logged in once as "work" (their config folder), bundle settings filled in.
    uv_cache = os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv")
    home = tmp_path / "user home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    store_login(AccountStore(default_home({})), "work", sandbox)
    config = mcp_config(manifest, extension, {"account": "work", "default_project_uid": data.WEB_PROJECT_UID})

    # The user's environment (proxies, certificates, ...), without our own settings: those come
    # from the bundle's settings alone.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("CONTENTSTACK_", "PERSONALIZE_MCP_"))}
    environment = {
        **inherited,
        "HOME": str(home),
        "PATH": os.pathsep.join([str(SCRIPTS), os.environ.get("PATH", "")]),  # where `uv` is
        # The test machine's stand-ins for what a user's machine has: uv's download cache, and a
        # Python uv may use without downloading one.
        "UV_CACHE_DIR": uv_cache,
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
        **config.get("env", {}),
    }
    command = shutil.which(config["command"], path=environment["PATH"])
    assert command, f"{config['command']} is not installed (pip install uv)"
    params = StdioServerParameters(command=command, args=config["args"], env=environment)
    with tempfile.TemporaryFile("w+") as stderr:
        try:
            async with Client(stdio_client(params, errlog=stderr)) as client:
                tools = (await client.list_tools()).tools
                projects = await call_ok(client, "list_projects")
                # Two projects, no project_uid: the bundle's default project setting answers.
                audiences = await call_ok(client, "get_all_audiences")
        except Exception as error:
            stderr.seek(0)
            raise AssertionError(f"the bundle's server failed: {stderr.read()[-3000:]}") from error
        stderr.seek(0)
        log = stderr.read()
    assert len(tools) == len(CONTRACT_TOOLS)
    assert {p["uid"] for p in projects["projects"]} >= {data.WEB_PROJECT_UID, data.MOBILE_PROJECT_UID}
    assert audiences["project_uid"] == data.WEB_PROJECT_UID
    started = [line for line in log.splitlines() if line.startswith("personalize-mcp ")]
    assert started, log[-3000:]
    assert re.fullmatch(
        rf"personalize-mcp {re.escape(personalize_mcp.__version__)} serving MCP over stdio: account 'work', "
        rf"organisation Northwind Retail \({data.MAIN_ORG_UID}\), region na",
        started[0],
    ), started[0]
    assert SANDBOX_ACCESS_TOKEN not in log


def store_login(store: AccountStore, name: str, sandbox: Sandbox) -> None:
    """What `personalize-mcp login --account NAME` leaves behind, for an account on the sandbox."""
    urls = sandbox_base_urls(sandbox.origin)
    now = datetime.now(UTC)
    store.save(
        StoredAccount(
            name=name,
            connection=StoredConnection(
                personalize_base_url=urls.personalize,
                cma_base_url=urls.cma,
                app_base_url=urls.app,
                token_url=urls.token_url,
            ),
            access_token=SecretStr(SANDBOX_ACCESS_TOKEN),
            expires_at=now + timedelta(hours=1),
            organization=OrganizationInfo(uid=data.MAIN_ORG_UID, name="Northwind Retail"),
            created_at=now,
            updated_at=now,
        )
    )
