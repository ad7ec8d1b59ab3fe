"""A real Redis server for the tests: Debian's `redis-server` started on a free loopback port.

Tests that need one take the `redis_url` fixture. Without `redis-server` on the PATH they skip,
unless `PERSONALIZE_MCP_REQUIRE_REDIS=1` (set by `.ci/run`, which installs it), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REQUIRE_REDIS = "PERSONALIZE_MCP_REQUIRE_REDIS"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_redis(folder: Path) -> Iterator[str]:
    """A `redis-server` of its own in `folder` (no persistence), its URL while it runs."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get(REQUIRE_REDIS) == "1":
            pytest.fail("redis-server is not installed, and PERSONALIZE_MCP_REQUIRE_REDIS=1 needs it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Redis per test process (each xdist worker has its own); tests use distinct keys."""
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url
