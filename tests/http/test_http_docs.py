"""The HTTP documentation stays in step with the code: every flag in the README, valid client entries."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from personalize_mcp.cli import add_http_arguments
from personalize_mcp.transport.addresses import MCP_PATH
from personalize_mcp.transport.http_options import DEFAULT_HOST, DEFAULT_PORT

ROOT = Path(__file__).resolve().parents[2]


def http_flags() -> set[str]:
    parser = argparse.ArgumentParser(add_help=False)
    add_http_arguments(parser)
    return set(re.findall(r"--[a-z][a-z-]+", parser.format_help()))


def test_every_http_flag_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Serving over HTTP", 1)[1].split("\n## Tools", 1)[0]
    assert len(http_flags()) >= 10
    missing = sorted(flag for flag in http_flags() if f"`{flag}" not in section)
    assert not missing, f"README 'Serving over HTTP' does not mention {missing}"


def test_client_examples_point_at_the_mcp_endpoint() -> None:
    """The HTTP examples name the URL `serve --transport http` listens on by default."""
    default = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}{MCP_PATH}"
    urls = []
    for path in sorted((ROOT / "examples").glob("*-http.*json")):
        config: dict[str, Any] = json.loads(path.read_text())
        (servers,) = config.values()
        urls += [server["url"] for server in servers.values()]
    assert len(urls) == 3
    assert set(urls) == {default}
