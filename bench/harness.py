"""What the benchmarks run on: the sandbox as its own process, a stored account pointing at it,
our server and the bare reference as real child processes (stdio or Streamable HTTP), and the
numbers read from them (request log, peak RSS)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
from mcp import StdioServerParameters
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
SERVER_DIR = ROOT / "server"
BARE_SERVER = Path(__file__).resolve().parent / "bare_server.py"
sys.path.insert(0, str(SERVER_DIR))

from personalize_mcp.auth.account import OrganizationInfo, StoredAccount, StoredConnection, UserInfo  # noqa: E402
from personalize_mcp.auth.store import AccountStore  # noqa: E402
from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, sandbox_base_urls  # noqa: E402
from personalize_mcp.sandbox.data import MAIN_ORG_UID, MAIN_USER_UID  # noqa: E402

PYTHON = sys.executable


def child_env(**extra: str) -> dict[str, str]:
    """Only what Python needs, our sources importable, and nothing from the user's accounts."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    return {**keep, "PYTHONPATH": str(SERVER_DIR), **extra}


class Sandbox:
    """`python -m personalize_mcp.sandbox` in its own process, driven through its control endpoints."""

    def __init__(self, *flags: str) -> None:
        """`flags` go to the sandbox's command line, e.g. `--scale 1000 --seed 0`."""
        self.process = subprocess.Popen(
            [PYTHON, "-m", "personalize_mcp.sandbox", "--port", "0", "--log-level", "warning", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=child_env(),
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.fullmatch(r"Sandbox listening on (\S+)\n", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        self.origin = match.group(1)
        self.urls = sandbox_base_urls(self.origin)
        self.control = httpx2.Client(base_url=self.urls.control, timeout=10)

    def close(self) -> None:
        self.control.close()
        self.process.terminate()
        self.process.wait(timeout=10)

    def latency(self, ms: int) -> None:
        self.control.post("/faults", json={"api": "all", "kind": "latency", "ms": ms}).raise_for_status()

    def rate_limit(self, per_second: int | None) -> None:
        self.control.post("/settings", json={"rate_limit_per_second": per_second}).raise_for_status()

    def clear_log(self) -> None:
        self.control.delete("/requests").raise_for_status()

    def log(self) -> list[dict[str, Any]]:
        response = self.control.get("/requests")
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["requests"]
        return records

    def scale(self) -> dict[str, Any] | None:
        """The generated account served (`--scale`): spec, notable uids, counts; None for the seed."""
        response = self.control.get("/scale")
        response.raise_for_status()
        summary: dict[str, Any] | None = response.json()
        return summary

    def raw(self, api: str, path: str, **headers: str) -> bytes:
        """An upstream answer exactly as Contentstack's API would send it (for answer sizes)."""
        base = self.urls.personalize if api == "personalize" else self.urls.cma + "/v3"
        response = httpx2.get(
            base + path, headers={"authorization": f"Bearer {SANDBOX_ACCESS_TOKEN}", **headers}, timeout=10
        )
        response.raise_for_status()
        return response.content


@contextmanager
def sandbox(*flags: str) -> Iterator[Sandbox]:
    served = Sandbox(*flags)
    try:
        yield served
    finally:
        served.close()


@contextmanager
def account_home(box: Sandbox, *, writes: bool = False) -> Iterator[Path]:
    """A PERSONALIZE_MCP_HOME holding one logged-in account whose hosts are the sandbox's: what
    `personalize-mcp login` (`--writes`: with personalize:manage) leaves behind, so `serve` runs exactly as
    for a user."""
    with tempfile.TemporaryDirectory(prefix="personalize-mcp-bench-") as folder:
        now = datetime.now(UTC)
        AccountStore(Path(folder)).save(
            StoredAccount(
                name="default",
                connection=StoredConnection(
                    personalize_base_url=box.urls.personalize,
                    cma_base_url=box.urls.cma,
                    app_base_url=box.urls.app,
                    token_url=box.urls.token_url,
                    scopes=("personalize:read", "personalize:manage") if writes else None,
                ),
                access_token=SecretStr(SANDBOX_ACCESS_TOKEN),
                expires_at=now + timedelta(days=1),
                organization=OrganizationInfo(uid=MAIN_ORG_UID, name="Northwind"),
                user=UserInfo(uid=MAIN_USER_UID),
                created_at=now,
                updated_at=now,
            )
        )
        yield Path(folder)


def ours_stdio(home: Path, *flags: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=PYTHON,
        args=["-m", "personalize_mcp", "serve", *flags],
        env=child_env(PERSONALIZE_MCP_HOME=str(home)),
    )


def bare_env(box: Sandbox) -> dict[str, str]:
    return child_env(BARE_PERSONALIZE_URL=box.urls.personalize, BARE_TOKEN=SANDBOX_ACCESS_TOKEN, BARE_ORG=MAIN_ORG_UID)


def bare_stdio(box: Sandbox) -> StdioServerParameters:
    return StdioServerParameters(command=PYTHON, args=[str(BARE_SERVER)], env=bare_env(box))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def http_server(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """A server process on 127.0.0.1:port; yields its /mcp URL once it accepts connections."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def ours_http(home: Path, port: int) -> tuple[list[str], dict[str, str]]:
    command = [PYTHON, "-m", "personalize_mcp", "serve", "--transport", "http", "--port", str(port)]
    return command, child_env(PERSONALIZE_MCP_HOME=str(home))


def bare_http(box: Sandbox, port: int) -> tuple[list[str], dict[str, str]]:
    return [PYTHON, str(BARE_SERVER), "--http", str(port)], bare_env(box)


def children_running(marker: str) -> list[int]:
    """Pids of this process's children whose command line contains `marker` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and marker in cmdline:
            found.append(int(entry.name))
    return found


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def reset_peak_rss(pid: int) -> bool:
    """Start VmHWM afresh from the current RSS (Linux: `5` into clear_refs); False where refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def code_version() -> str:
    """The commit the benchmark ran on (+ "dirty" with uncommitted changes), to tell before from after."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" (with uncommitted changes)" if dirty.strip() else "")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}, {sys.platform}"
