"""Shared fixtures for the account tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from personalize_mcp.auth.store import AccountStore


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> AccountStore:
    return AccountStore(home)
