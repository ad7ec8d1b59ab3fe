"""The sandbox over real loopback HTTP: in a thread, and as `python -m personalize_mcp.sandbox`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, SandboxState, sandbox_base_urls, serve_in_thread
from personalize_mcp.sandbox.data import MAIN_ORG_UID, WEB_PROJECT_UID

SERVER_DIR = Path(__file__).resolve().parents[2] / "server"
AUTH = {"authorization": f"Bearer {SANDBOX_ACCESS_TOKEN}"}


def test_serve_in_thread() -> None:
    state = SandboxState()
    with serve_in_thread(state) as origin:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", origin)
        urls = sandbox_base_urls(origin)
        with httpx2.Client() as http:
            projects = http.get(f"{urls.personalize}/projects", headers=AUTH)
            assert projects.status_code == 200
            stacks = http.get(f"{urls.cma}/v3/stacks", headers=AUTH | {"organization_uid": MAIN_ORG_UID})
            assert stacks.headers["x-ratelimit-limit"] == "10"
            assert (
                http.post(f"{urls.control}/faults", json={"api": "cma", "kind": "status", "status": 503}).status_code
                == 200
            )
            assert http.get(f"{urls.cma}/v3/user", headers=AUTH).status_code == 503
    assert [r.status for r in state.request_log()] == [200, 200, 503]


def test_slow_responses_trip_a_read_timeout() -> None:
    state = SandboxState()
    state.set_slow("personalize", seconds=0.5)
    with serve_in_thread(state) as origin, httpx2.Client(timeout=httpx2.Timeout(5.0, read=0.1)) as http:
        url = f"{sandbox_base_urls(origin).personalize}/audiences"
        with http.stream("GET", url, headers=AUTH | {"x-project-uid": WEB_PROJECT_UID}) as response:
            assert response.status_code == 200  # headers arrive at once ...
            with pytest.raises(httpx2.ReadTimeout):  # ... the body does not
                response.read()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_python_m_sandbox(sig: signal.Signals) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SERVER_DIR), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "personalize_mcp.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"Sandbox listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        origin = match.group(1)
        response = httpx2.get(f"{origin}/personalize/projects", headers=AUTH, timeout=5)
        assert response.status_code == 200
        assert {p["uid"] for p in response.json()} >= {WEB_PROJECT_UID}
        process.send_signal(sig)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert out == ""  # the one line was all
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_busy_port_is_a_clean_error() -> None:
    with serve_in_thread() as origin:
        port = origin.rsplit(":", 1)[1]
        env = {**os.environ, "PYTHONPATH": str(SERVER_DIR)}
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "personalize_mcp.sandbox", "--port", port],
            capture_output=True,
            text=True,
            env=env,
            timeout=20,
            check=False,
        )
        assert time.monotonic() - start < 20
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Cannot listen" in done.stderr
