"""A short load-and-abuse run (issue 17): how the server holds up when Contentstack misbehaves and
a client overreaches. Run by hand, not in the suite:

    python bench/abuse.py                                  # this tree, about two minutes
    python bench/abuse.py --server-src /path/to/old/server # another tree (e.g. before the hardening)

The sandbox (this tree's, for its fault switches) runs as its own process; the server under test is
`personalize-mcp serve` from `--server-src`, started as a user starts it, with a stored account.
It prints, for that server:

1. calls under faults: one tool call or resource read per fault kind (5xx, reset, truncated,
   invalid JSON, 429, a 64 MiB body, a gzip bomb, a body that trickles, a slow answer), how each
   ended (answer / one-sentence error / anything else) and the longest against the 3 s deadline;
2. sessions held: one client opens 200 Streamable HTTP sessions; how many still answer;
3. peak RSS of the server process after a 100 MiB body, and after a gzip bomb of 512 MiB;
4. refreshes per call: 40 calls over 10 s with 20-second access tokens (a real OAuth login);
5. logins lost: a refresh whose answer takes 4 s, under a 2 s deadline, then under a client's
   cancel; lost when a new process can no longer renew the login.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent

from finding import BenchFailure, run_main
from harness import PYTHON, SERVER_DIR, Sandbox, account_home, free_port, machine, one_child, peak_rss_mib
from personalize_mcp.auth.login import LoginRequest, login
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.sandbox.data import WEB_PROJECT_UID
from personalize_mcp.sandbox.oauth import consent_url

DEADLINE = 3.0


def server_env(src: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, "PYTHONPATH": str(src), "PERSONALIZE_MCP_LOG_LEVEL": "ERROR", **extra}


def stdio(src: Path, home: Path, *flags: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=PYTHON,
        args=["-m", "personalize_mcp", "serve", *flags],
        env=server_env(src, PERSONALIZE_MCP_HOME=str(home)),
    )


def fault(box: Sandbox, **spec: Any) -> None:
    box.control.post("/faults", json={"api": "personalize", **spec}).raise_for_status()


def text_of(result: CallToolResult) -> str:
    return "".join(b.text for b in result.content if isinstance(b, TextContent))


def verdict(ok: bool, message: str) -> str:
    if ok:
        return "answer"
    one = message and "\n" not in message and "Traceback" not in message and message.rstrip().endswith(".")
    return "one sentence" if one and len(message) <= 600 else "other"


# -- 1. calls under faults ----------------------------------------------------------------------

FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("503 three times", {"kind": "status", "status": 503, "count": 3}),
    ("connection reset", {"kind": "reset"}),
    ("truncated body", {"kind": "truncate"}),
    ("invalid JSON", {"kind": "invalid_json"}),
    ("429, Retry-After 1", {"kind": "rate_limit", "retry_after": 1}),
    ("64 MiB body", {"kind": "huge", "mb": 64}),
    ("gzip bomb (256 MiB)", {"kind": "huge", "mb": 256, "gzip": True}),
    ("trickling body (tool)", {"kind": "trickle", "seconds": 20, "interval_ms": 200}),
    ("trickling body (resource)", {"kind": "trickle", "seconds": 20, "interval_ms": 200}),
]


async def calls_under_faults(box: Sandbox, src: Path, home: Path) -> list[str]:
    lines: list[str] = []
    longest = 0.0
    tally: dict[str, int] = {}
    async with Client(stdio(src, home, "--no-cache", "--deadline", str(DEADLINE))) as client:
        for label, spec in FAULTS:
            fault(box, **spec)
            started = time.monotonic()
            try:
                if "resource" in label:
                    await client.read_resource("personalize://projects")
                    outcome = "answer"
                else:
                    result = await client.call_tool("get_all_audiences", {"project_uid": WEB_PROJECT_UID})
                    outcome = verdict(not result.is_error, text_of(result))
            except MCPError as error:
                outcome = verdict(False, error.error.message)
            took = time.monotonic() - started
            longest = max(longest, took)
            tally[outcome] = tally.get(outcome, 0) + 1
            late = "  PAST THE DEADLINE" if took > DEADLINE + 1 else ""
            lines.append(f"   {label:<28} {outcome:<13} {took:6.2f} s{late}")
            box.control.delete("/faults").raise_for_status()
    summary = ", ".join(f"{n} {k}" for k, n in sorted(tally.items()))
    lines.insert(
        0, f"1. calls under faults: {len(FAULTS)} calls: {summary}; longest {longest:.2f} s (deadline {DEADLINE:g} s)"
    )
    return lines


# -- 2. sessions held -----------------------------------------------------------------------------

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "abuse", "version": "0"}},
}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@contextmanager
def http_serve(src: Path, *flags: str) -> Iterator[str]:
    port = free_port()
    command = [
        PYTHON,
        "-m",
        "personalize_mcp",
        "serve",
        "--sandbox",
        "--transport",
        "http",
        "--port",
        str(port),
        *flags,
    ]
    process = subprocess.Popen(command, env=server_env(src), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchFailure(f"the HTTP server under test did not start on port {port}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def sessions_held(src: Path) -> list[str]:
    with http_serve(src) as origin, httpx2.Client(base_url=origin, timeout=10) as http:
        started = time.monotonic()
        opened = [http.post("/mcp", json=INITIALIZE, headers=HEADERS).headers.get("mcp-session-id") for _ in range(200)]
        took = time.monotonic() - started
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
        alive = sum(
            1
            for sid in opened
            if sid
            and http.post(
                "/mcp", json=listing, headers={**HEADERS, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"}
            ).status_code
            == 200
        )
    return [f"2. sessions held: one client opened 200 sessions in {took:.1f} s; {alive} still answer"]


# -- 3. peak RSS under a huge body ----------------------------------------------------------------


async def peak_rss(box: Sandbox, src: Path, home: Path) -> list[str]:
    figures = []
    for label, spec in (
        ("100 MiB body", {"kind": "huge", "mb": 100}),
        ("gzip bomb of 512 MiB", {"kind": "huge", "mb": 512, "gzip": True}),
    ):
        async with Client(stdio(src, home, "--no-cache", "--deadline", "30")) as client:
            await client.call_tool("list_projects", {})
            pid = one_child("personalize_mcp serve")
            before = peak_rss_mib(pid)
            fault(box, **spec)
            started = time.monotonic()
            result = await client.call_tool("get_all_audiences", {"project_uid": WEB_PROJECT_UID})
            took = time.monotonic() - started
            after = peak_rss_mib(pid)
            outcome = verdict(not result.is_error, text_of(result))
        figures.append(
            f"   {label:<22} peak RSS {after:7.1f} MiB (before it {before:.1f} MiB), {outcome}, {took:.2f} s"
        )
        box.control.delete("/faults").raise_for_status()
    return ["3. peak RSS of the server process", *figures]


# -- 4 and 5: real OAuth logins ------------------------------------------------------------------


async def oauth_home(box: Sandbox, folder: Path) -> Path:
    """`personalize-mcp login` against the sandbox process, consent given as a browser would."""
    port = free_port()
    env = {
        "PERSONALIZE_MCP_HOME": str(folder),
        "CONTENTSTACK_PERSONALIZE_BASE_URL": box.urls.personalize,
        "CONTENTSTACK_CMA_BASE_URL": box.urls.cma,
        "CONTENTSTACK_APP_BASE_URL": box.urls.app,
        "CONTENTSTACK_OAUTH_TOKEN_URL": box.urls.token_url,
        "CONTENTSTACK_OAUTH_REDIRECT_URI": f"http://127.0.0.1:{port}/callback",
    }

    def consent(url: str) -> bool:
        with httpx2.Client(timeout=10) as http:
            answer = http.get(consent_url(url))
            http.get(answer.headers["location"])
        return True

    out = io.StringIO()  # what login prints is not part of the figures
    request = LoginRequest(account="default", timeout=30)
    await login(request, env=env, store=AccountStore(folder), out=out, err=out, open_url=consent)
    return folder


def refreshes(box: Sandbox) -> int:
    return int(box.control.get("/counters").json()["token_requests"].get("refresh_token", 0))


async def refreshes_per_call(box: Sandbox, src: Path) -> list[str]:
    box.control.post("/settings", json={"access_token_ttl": 20}).raise_for_status()
    with tempfile.TemporaryDirectory() as folder:
        home = await oauth_home(box, Path(folder))
        before = refreshes(box)
        async with Client(stdio(src, home, "--no-cache")) as client:
            for _ in range(40):
                await client.call_tool("list_projects", {})
                await anyio.sleep(0.25)
        made = refreshes(box) - before
    box.control.post("/settings", json={"access_token_ttl": 3600}).raise_for_status()
    return [
        f"4. refreshes per call with 20 s tokens: {made} refreshes for 40 calls over 10 s ({made / 40:.2f} per call)"
    ]


async def logins_lost(box: Sandbox, src: Path) -> list[str]:
    lines = []
    for how in ("deadline", "cancel"):
        with tempfile.TemporaryDirectory() as folder:
            home = await oauth_home(box, Path(folder))
            stored = json.loads((home / "accounts" / "default.json").read_text())
            box.control.post("/tokens/expire").raise_for_status()
            box.control.post("/faults", json={"api": "oauth", "kind": "slow", "seconds": 4}).raise_for_status()
            async with Client(stdio(src, home, "--deadline", "2")) as client:
                if how == "deadline":
                    await client.call_tool("list_projects", {})
                else:
                    with anyio.move_on_after(1.5):
                        await client.call_tool("list_projects", {})
                await anyio.sleep(4)  # the token endpoint's answer arrives meanwhile
            box.control.post("/faults", json={"api": "oauth", "kind": "slow", "enabled": False}).raise_for_status()
            box.control.post("/tokens/expire").raise_for_status()
            async with Client(stdio(src, home)) as fresh:  # a restart: renews from what is stored
                result = await fresh.call_tool("list_projects", {})
            rotated = (
                json.loads((home / "accounts" / "default.json").read_text())["refresh_token"] != stored["refresh_token"]
            )
            state = "kept" if not result.is_error else "LOST"
            lines.append(f"   {how:<9} login {state} (rotated refresh token stored: {'yes' if rotated else 'no'})")
    lost = sum("LOST" in line for line in lines)
    return [f"5. logins lost to a 4 s token answer: {lost} of {len(lines)}", *lines]


# -- the run --------------------------------------------------------------------------------------


async def main(src: Path, only: set[int]) -> None:
    print(f"server under test: {src}\nmachine: {machine()}\n", flush=True)
    box = Sandbox()
    try:
        box.rate_limit(None)
        with account_home(box) as home:
            if 1 in only:
                for line in await calls_under_faults(box, src, home):
                    print(line, flush=True)
            if 2 in only:
                for line in await anyio.to_thread.run_sync(sessions_held, src):
                    print(line, flush=True)
            if 3 in only:
                for line in await peak_rss(box, src, home):
                    print(line, flush=True)
        if 4 in only:
            for line in await refreshes_per_call(box, src):
                print(line, flush=True)
        if 5 in only:
            for line in await logins_lost(box, src):
                print(line, flush=True)
    finally:
        box.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server-src", type=Path, default=SERVER_DIR, help="the server's source tree (its server/ folder)"
    )
    parser.add_argument("--only", default="1,2,3,4,5", help="which parts, e.g. 1,3")
    arguments = parser.parse_args()

    async def chosen(_: None) -> None:
        await main(arguments.server_src.resolve(), {int(n) for n in arguments.only.split(",")})

    run_main(chosen, None)
