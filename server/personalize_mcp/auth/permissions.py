"""Who may read the account store: the folder made 0700 when it is created, and everything others
could already read tightened (folder 0700, files 0600) with one sentence per change."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from personalize_mcp.runtime.errors import AccountStoreError

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

logger = logging.getLogger(__name__)


def os_reason(error: OSError) -> str:
    """The errno text of an OS error ("No space left on device"), never its arguments."""
    return error.strerror or type(error).__name__


def ensure_private_folder(home: Path, folder: Path) -> None:
    """Create `folder` (and `home`) 0700, narrowing an older, wider folder; one sentence on failure."""
    try:
        if not home.exists():
            home.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True)
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        # mkdir's mode is filtered by the umask, and an older folder may be wider.
        if folder.stat().st_mode & 0o777 != PRIVATE_FOLDER_MODE:
            folder.chmod(PRIVATE_FOLDER_MODE)
    except OSError as error:
        logger.error("Cannot create the account folder %s", folder, exc_info=True)
        raise AccountStoreError(
            f"Cannot create the account folder {folder} ({os_reason(error)}); "
            "check its permissions or set PERSONALIZE_MCP_HOME to a writable folder."
        ) from None


def tighten_permissions(folder: Path, files: Iterable[Path]) -> list[str]:
    """Make `folder` 0700 and each of `files` 0600; one sentence per change.

    A login others could read may already have been copied, so the sentences tell the user what
    was found, not only that it was fixed.
    """
    if os.name == "nt" or not folder.is_dir():  # Windows modes do not express this
        return []
    warnings: list[str] = []
    entries = [(folder, PRIVATE_FOLDER_MODE, "account folder")]
    entries += [(path, PRIVATE_FILE_MODE, "account file") for path in files]
    for path, wanted, what in entries:
        try:
            current = stat.S_IMODE(path.stat().st_mode)  # a link's target: what readers reach
        except OSError:
            continue  # gone meanwhile, or a dangling link: nothing anyone can read
        if current & 0o077 == 0:
            continue
        try:
            path.chmod(wanted)
        except OSError as error:
            warnings.append(
                f"The {what} {path} can be read by other users (mode {current:o}) and could not be "
                f"tightened ({os_reason(error)}); run `chmod {wanted:o} {path}`."
            )
            continue
        warnings.append(
            f"The {what} {path} could be read by other users (mode {current:o}); it is now {wanted:o}. "
            "If others may have copied it, run `personalize-mcp logout` and log in again."
        )
    return warnings
