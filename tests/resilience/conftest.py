"""Fault tests run against the loopback sandbox of `tests/conftest.py`, in one protocol era: the
behaviour under test is below the MCP layer, and the suite's time is better spent on faults."""

from __future__ import annotations

import pytest

from tests.conftest import Sandbox


@pytest.fixture
def limited(sandbox: Sandbox) -> Sandbox:
    """The sandbox with Contentstack's rate limit on: 10 requests per second per organisation per API."""
    sandbox.state.rate_limit_per_second = 10
    return sandbox
