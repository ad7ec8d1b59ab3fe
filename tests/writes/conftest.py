"""Fixtures of the write tests: a world with writes on (`support.world`) per test, over the served sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import Sandbox
from tests.writes.support import World, world


@pytest.fixture
async def writes(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[World]:
    """`serve --sandbox --writes all`: every change allowed, confirmed by elicitation or approval."""
    async with world(sandbox, tmp_path) as made:
        yield made
