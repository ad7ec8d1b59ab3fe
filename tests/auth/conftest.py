"""Shared fixtures for the account tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from personalize_mcp.auth.store import AccountStore
from personalize_mcp.sandbox.app import sandbox_base_urls
from personalize_mcp.sandbox.server import serve_in_thread
from personalize_mcp.sandbox.state import SandboxState
from tests.auth.helpers import Sandbox, free_port


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> AccountStore:
    return AccountStore(home)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox served on loopback in a thread, plus a free port for the login redirect."""
    state = SandboxState()
    with serve_in_thread(state) as origin:
        yield Sandbox(state=state, urls=sandbox_base_urls(origin), redirect_port=free_port())
