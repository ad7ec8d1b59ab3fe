"""What registries and installers read: `server.json` (MCP Registry), `manifest.json` (MCP Bundle),
the package metadata, LICENSE and CHANGELOG — complete, and saying the same thing everywhere."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import personalize_mcp
from personalize_mcp.config import settings, writes
from personalize_mcp.config.toolsets import TOOLSET_NAMES
from personalize_mcp.runtime.logs import ENV_LOG_LEVEL

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
SERVER_JSON: dict[str, Any] = json.loads((ROOT / "server.json").read_text())
MANIFEST: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text())
TOOLS_SNAPSHOT = ROOT / "tests" / "snapshots" / "tools_list.json"

# The registry's rules for server.json (schema 2025-12-11 and its publishing requirements).
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")
VERSION_RANGE = re.compile(r"[\^~<>=*x]|\|\|| - ")
PACKAGE_FIELDS = {
    "registryType",
    "registryBaseUrl",
    "identifier",
    "version",
    "fileSha256",
    "runtimeHint",
    "transport",
    "runtimeArguments",
    "packageArguments",
    "environmentVariables",
}
INPUT_FIELDS = {
    "name",
    "description",
    "isRequired",
    "format",
    "value",
    "isSecret",
    "default",
    "placeholder",
    "choices",
    "variables",
}


def test_server_json_has_what_the_mcp_registry_requires() -> None:
    assert SERVER_JSON["$schema"] == "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    name = SERVER_JSON["name"]
    assert NAME_PATTERN.fullmatch(name) and 3 <= len(name) <= 200 and name.count("/") == 1
    assert name.startswith("io.github."), "GitHub authentication publishes io.github.<owner>/<name>"
    assert 1 <= len(SERVER_JSON["description"]) <= 100
    assert SERVER_JSON["version"] == personalize_mcp.__version__
    assert not VERSION_RANGE.search(SERVER_JSON["version"]) and SERVER_JSON["version"] != "latest"
    assert SERVER_JSON["repository"]["source"] == "github"
    assert SERVER_JSON["repository"]["url"] == PYPROJECT["urls"]["Repository"]

    (package,) = SERVER_JSON["packages"]
    assert set(package) <= PACKAGE_FIELDS
    assert package["registryType"] == "pypi"
    assert package["registryBaseUrl"] == "https://pypi.org"  # the only PyPI the official registry accepts
    assert package["identifier"] == PYPROJECT["name"]
    assert package["version"] == personalize_mcp.__version__
    assert package["runtimeHint"] == "uvx"
    assert package["transport"] == {"type": "stdio"}
    # `uvx contentstack-personalize-mcp` runs the script named like the distribution: serve over stdio.
    assert PYPROJECT["scripts"][PYPROJECT["name"]] == "personalize_mcp.cli:main"


def test_server_json_names_every_environment_variable_and_which_are_secret() -> None:
    (package,) = SERVER_JSON["packages"]
    variables = {v["name"]: v for v in package["environmentVariables"]}
    assert len(variables) == len(package["environmentVariables"])
    for variable in variables.values():
        assert set(variable) <= INPUT_FIELDS
        assert variable["description"] and isinstance(variable["isSecret"], bool)
        assert variable["isRequired"] is False  # serve starts without any of them
    assert {n for n, v in variables.items() if v["isSecret"]} == {settings.ENV_OAUTH_CLIENT_SECRET}
    readable = {value for module in (settings, writes) for key, value in vars(module).items() if key.startswith("ENV_")}
    readable |= {ENV_LOG_LEVEL}
    assert set(variables) == readable
    # The README's Configuration table is the same list.
    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"`((?:CONTENTSTACK|PERSONALIZE_MCP)_[A-Z_]+)`", section)) == readable


def test_the_readme_carries_the_registry_ownership_marker() -> None:
    """The registry checks a PyPI package's README for `mcp-name: <server name>`."""
    assert f"mcp-name: {SERVER_JSON['name']}" in (ROOT / "README.md").read_text()


def test_one_version_and_one_repository_everywhere() -> None:
    assert PYPROJECT["version"] == personalize_mcp.__version__ == MANIFEST["version"] == SERVER_JSON["version"]
    repository = PYPROJECT["urls"]["Repository"]
    assert MANIFEST["repository"]["url"] == repository == SERVER_JSON["repository"]["url"]
    for url in [*PYPROJECT["urls"].values(), MANIFEST["homepage"], MANIFEST["support"], MANIFEST["documentation"]]:
        assert url.startswith(repository), url
    assert SERVER_JSON["name"].split("/")[0] == "io.github." + repository.split("/")[3]


def test_manifest_lists_the_servers_tools_and_settings() -> None:
    snapshot = json.loads(TOOLS_SNAPSHOT.read_text())
    tools = snapshot["tools"] if isinstance(snapshot, dict) else snapshot
    assert sorted(t["name"] for t in MANIFEST["tools"]) == sorted(t["name"] for t in tools)
    assert set(MANIFEST["user_config"]) == {"account", "region", "default_project_uid", "toolsets"}
    assert MANIFEST["server"]["mcp_config"]["env"] == {
        settings.ENV_ACCOUNT: "${user_config.account}",
        settings.ENV_REGION: "${user_config.region}",
        settings.ENV_DEFAULT_PROJECT: "${user_config.default_project_uid}",
        settings.ENV_TOOLSETS: "${user_config.toolsets}",
    }
    assert all(name in MANIFEST["user_config"]["toolsets"]["description"] for name in TOOLSET_NAMES)
    assert MANIFEST["name"] == PYPROJECT["name"]
    assert MANIFEST["license"] == PYPROJECT["license"] == "MIT"
    assert MANIFEST["compatibility"]["runtimes"]["python"] == PYPROJECT["requires-python"]


def test_package_metadata_license_and_changelog() -> None:
    assert {"Homepage", "Repository", "Issues", "Changelog", "Documentation"} <= set(PYPROJECT["urls"])
    assert "mcp" in PYPROJECT["keywords"] and "contentstack" in PYPROJECT["keywords"]
    classifiers = PYPROJECT["classifiers"]
    assert "Typing :: Typed" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")], "the SPDX `license` field says it"
    python = {c.rsplit(" ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert min(python, key=lambda v: int(v.split(".")[1])) == PYPROJECT["requires-python"].removeprefix(">=")
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in license_text
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{personalize_mcp.__version__}]" in changelog
