"""A real browser client: Debian's headless Chromium loads a page from one loopback origin whose
script speaks Streamable HTTP to `serve --transport http --allowed-origin <that origin>` on another
port (initialize, tools/list, a tool call, DELETE of the session), and the test reads what the page
learnt from its DOM. Every request is cross-origin, so this passes only when CORS is right.

Skipped where Chromium is not installed, except when PERSONALIZE_MCP_REQUIRE_BROWSER=1 (set by
`.ci/run`, which installs it): then a missing browser fails the test.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any
from urllib.parse import urlencode

import pytest

from personalize_mcp.sandbox import data
from tests.http.test_http_subprocess import Served

REQUIRE = os.environ.get("PERSONALIZE_MCP_REQUIRE_BROWSER") == "1"
# The flags that work on this kind of machine: no sandbox as root, and no background traffic to
# Google's hosts, which a closed network refuses many times a second.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=30000",  # virtual time waits while fetches are pending: the DOM is final
)
CALL = {
    "name": "get_variant_audiences",
    "arguments": {
        "stack_api_key": data.MAIN_STACK_API_KEY,
        "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
        "variant_uid": data.HERO_MOBILE_VARIANT_UID,
    },
}


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if REQUIRE:
            pytest.fail(f"{message}, and PERSONALIZE_MCP_REQUIRE_BROWSER=1 says this test must run")
        pytest.skip(message)
    return found


def run_page(browser: str, url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as profile:
        completed = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    found = re.search(r'<pre id="result">(.*?)</pre>', completed.stdout, re.DOTALL)
    assert found, f"no result in the page (exit {completed.returncode}): {completed.stderr[-2000:]}"
    text = html.unescape(found.group(1))
    assert text != "pending", "the page's script did not finish"
    result: dict[str, Any] = json.loads(text)
    return result


def test_a_browser_page_on_another_origin_uses_the_server(
    browser_page_origin: str, served_http_sandbox: Served
) -> None:
    """The server runs with `--allowed-origin <the page's origin>` (tests/conftest.py)."""
    browser = chromium()
    url = f"{browser_page_origin}/?" + urlencode({"mcp": served_http_sandbox.url, "call": json.dumps(CALL)})
    result = run_page(browser, url)
    assert "error" not in result, result["error"]
    assert result["protocolVersion"] == "2025-11-25"
    assert result["serverName"] == "contentstack-personalize"
    assert result["sessionIdReadable"] is True  # Mcp-Session-Id is exposed to the page's script
    assert result["initializedStatus"] == 202
    assert len(result["tools"]) == 10 and "get_variant_audiences" in result["tools"]
    assert result["isError"] is False
    assert [a["uid"] for a in result["structuredContent"]["audiences"]] == [
        data.MOBILE_VISITORS_AUDIENCE_UID,
        data.RETURNING_CUSTOMERS_AUDIENCE_UID,
    ]
    assert result["deleteStatus"] == 200
