"""Cross-process file locks (flock) on the store, whose failures are one sentence, not a hang.

The locks are not thread-bound: one may be taken in a worker thread and released in another,
which the async refresh path relies on.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from personalize_mcp.auth.permissions import PRIVATE_FILE_MODE, os_reason
from personalize_mcp.runtime.errors import AccountStoreError

if TYPE_CHECKING:
    from filelock import FileLock

LOCK_TIMEOUT_SECONDS = 120.0

logger = logging.getLogger(__name__)


def file_lock(path: Path, *, timeout: float) -> FileLock:
    """An exclusive lock on `path` (created 0600), not yet taken."""
    from filelock import FileLock  # imported by the first lock: `serve` starts without taking any

    return FileLock(path, timeout=timeout, mode=PRIVATE_FILE_MODE, thread_local=False)


def acquire(lock: FileLock, what: str) -> None:
    """Take `lock`; a lock held too long by another process, or one that cannot be made, is one
    sentence naming the lock file and `what` it guards."""
    from filelock import Timeout

    try:
        lock.acquire()
    except Timeout:
        raise AccountStoreError(
            f"The stored {what} is locked by another personalize-mcp process (lock {lock.lock_file}); "
            "wait for it to finish, or stop it and try again."
        ) from None
    except OSError as error:
        # A read-only home, a lock path that is a link to somewhere unwritable, a full disk: the
        # user can fix each of these, once told which file and why.
        logger.error("Cannot take the lock %s of the stored %s", lock.lock_file, what, exc_info=True)
        raise AccountStoreError(
            f"Cannot lock the stored {what} ({lock.lock_file}: {os_reason(error)}); check that the folder "
            "is writable, or set PERSONALIZE_MCP_HOME to a writable folder."
        ) from None


@contextlib.contextmanager
def held(lock: FileLock, what: str) -> Iterator[None]:
    """Hold `lock` for the block (see `acquire`)."""
    acquire(lock, what)
    try:
        yield
    finally:
        lock.release()
