"""Writing a stored file so that it is never half written, and through a symbolic link.

A temporary file in the target's folder (created 0600), one fsync, `os.replace`, then an fsync of
the folder: readers see the old file or the new one, never half of one, and need no lock. A file
that is a symbolic link is written *through*: the temporary file goes beside the link's target and
replaces the target, so the link (and every home sharing it) sees the new file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from pathlib import Path

from personalize_mcp.auth.permissions import PRIVATE_FILE_MODE, os_reason
from personalize_mcp.runtime.errors import AccountStoreError

logger = logging.getLogger(__name__)


class AccountWriteError(AccountStoreError):
    """An account file could not be written; the previous file is as it was.

    `path` and `reason` (the errno text) let a caller whose write matters more than usual (a
    refresh that rotated the refresh token) say what that means for the login.
    """

    def __init__(self, message: str, *, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


def atomic_write(path: Path, data: bytes) -> None:
    """Temp file (0600) beside the file, one fsync, `os.replace`, then fsync the folder.

    A link is written through: its target is replaced, the link stays. A failure anywhere
    leaves the previous file exactly as it was, removes the temp file and raises
    `AccountWriteError`. The folder's fsync (making the rename survive a power cut) comes after
    the rename, so a process killed at any moment finds either file complete.
    """
    target = link_target(path) or path
    folder = target.parent
    try:
        fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.stem}.", suffix=".tmp")
    except OSError as error:
        raise _write_failed(target, error) from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # mkstemp already made it 0600; this is belt and braces
                os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(error, OSError):
            raise _write_failed(target, error) from None
        raise
    try:
        fsync_folder(folder)
    except OSError:  # the new file is in place; only its durability across a power cut is unsure
        logger.warning("Could not fsync the folder %s after replacing %s", folder, target, exc_info=True)


def fsync_folder(folder: Path) -> None:
    """Make a rename or unlink durable; not every platform or filesystem allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def link_target(path: Path) -> Path | None:
    """The file a symbolic link finally points to (absolute), or None when `path` is no link."""
    try:
        if not path.is_symlink():
            return None
    except OSError:
        return None
    return Path(os.path.realpath(path))


def _write_failed(path: Path, error: OSError) -> AccountWriteError:
    reason = os_reason(error)
    logger.error("Cannot write the account file %s", path, exc_info=error)
    return AccountWriteError(
        f"Cannot write the account file {path} ({reason}); the previous file is unchanged; "
        "check the folder's permissions and free space.",
        path=path,
        reason=reason,
    )
