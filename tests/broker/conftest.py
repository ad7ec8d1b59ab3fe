"""One `serve --auth broker` subprocess per test module, against the session's sandbox on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.broker.support import Broker, start_broker
from tests.conftest import Sandbox


@pytest.fixture(scope="module")
def broker(_served_sandbox: Sandbox) -> Iterator[Broker]:
    served = start_broker(_served_sandbox.origin)
    try:
        yield served
    finally:
        code = served.stop()
        log = served.log()
        served.stderr.close()
        assert code == 0, log[-3000:]
