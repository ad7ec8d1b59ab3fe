"""The account store: one JSON file per account, written so that a login is never lost.

Layout under the home folder (`PERSONALIZE_MCP_HOME` or the user's config folder):

    accounts/               0700
      <name>.json           0600  one account (see `account.StoredAccount`)
      <name>.lock                 its exclusive lock (flock), taken for every write
      default.marker        0600  {"default_account": "<name>"} (not `.json`: no account's name)
      default.marker.lock         lock for the default marker

Every write is atomic: a temporary file in the same folder (created 0600), one fsync, `os.replace`,
then an fsync of the folder. Readers therefore see the old file or the new one, never half of one,
and need no lock; writers take the account's lock so read-modify-write cycles (a token refresh that
must re-read the file first) cannot interleave across processes.

An account file that is a symbolic link is written *through*: the temporary file goes beside the
link's target and replaces the target, so the link (and every home sharing it) sees the new login;
its lock is taken beside the target too, so those homes also share one lock.

A file that cannot be read or parsed (invalid JSON, nested too deeply, the wrong shape) raises
`AccountStoreError` naming its path and the fix; the store never overwrites or deletes such a file
on its own (only an explicit `logout` removes it). A folder or file that others may read is
tightened to 0700/0600 by `tighten_permissions`, which says what it changed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from personalize_mcp.auth.account import DEFAULT_ACCOUNT_NAME, AccountFileInvalid, StoredAccount, validate_account_name
from personalize_mcp.runtime.errors import AccountStoreError

ACCOUNTS_DIR = "accounts"
DEFAULT_MARKER = "default.marker"
DEFAULT_LOCK = "default.marker.lock"
LOCK_TIMEOUT_SECONDS = 120.0
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UnreadableAccount:
    """An account file that exists but cannot be used (listed so `accounts` can show it)."""

    name: str
    path: Path
    error: AccountStoreError


class AccountStore:
    """Stored accounts in one home folder. Cheap to construct; touches the disk only when used."""

    def __init__(self, home: Path, *, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        self.home = home
        self.folder = home / ACCOUNTS_DIR
        self._lock_timeout = lock_timeout

    # -- paths and locks -------------------------------------------------------------------

    def path(self, name: str) -> Path:
        return self.folder / f"{validate_account_name(name)}.json"

    def lock(self, name: str) -> FileLock:
        """The account's exclusive cross-process lock (not thread-bound: it may be taken in one
        worker thread and released in another, which the async refresh path relies on).

        Beside the account file, or beside its target when it is a symbolic link, so that every
        home sharing one file through links also shares its lock.
        """
        path = self.path(name)
        target = _link_target(path)
        if target is not None:
            self._ensure_folder()
            return FileLock(target.with_suffix(".lock"), timeout=self._lock_timeout, mode=0o600, thread_local=False)
        return self._lock(self.folder / f"{validate_account_name(name)}.lock")

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Hold the account's lock; a lock held too long becomes one sentence, not a hang."""
        with self._hold(self.lock(name), f"account '{name}'"):
            yield

    def _lock(self, path: Path) -> FileLock:
        self._ensure_folder()
        return FileLock(path, timeout=self._lock_timeout, mode=0o600, thread_local=False)

    def acquire(self, name: str) -> FileLock:
        """Take the account's lock and return it held; the caller must `release()` it.

        For callers that acquire in a worker thread and release elsewhere (the async refresh).
        """
        lock = self.lock(name)
        self._acquire(lock, f"account '{name}'")
        return lock

    @contextlib.contextmanager
    def _hold(self, lock: FileLock, what: str) -> Iterator[None]:
        self._acquire(lock, what)
        try:
            yield
        finally:
            lock.release()

    @staticmethod
    def _acquire(lock: FileLock, what: str) -> None:
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
                f"Cannot lock the stored {what} ({lock.lock_file}: {_reason(error)}); check that the folder "
                "is writable, or set PERSONALIZE_MCP_HOME to a writable folder."
            ) from None

    def _ensure_folder(self) -> None:
        try:
            if not self.home.exists():
                self.home.mkdir(mode=0o700, parents=True)
            self.folder.mkdir(mode=0o700, exist_ok=True)
            # mkdir's mode is filtered by the umask, and an older folder may be wider.
            if self.folder.stat().st_mode & 0o777 != PRIVATE_FOLDER_MODE:
                self.folder.chmod(PRIVATE_FOLDER_MODE)
        except OSError as error:
            logger.error("Cannot create the account folder %s", self.folder, exc_info=True)
            raise AccountStoreError(
                f"Cannot create the account folder {self.folder} ({_reason(error)}); "
                "check its permissions or set PERSONALIZE_MCP_HOME to a writable folder."
            ) from None

    def tighten_permissions(self) -> list[str]:
        """Make the folder 0700 and every account file and marker 0600; one sentence per change.

        Called by `serve` and `accounts`, which show the sentences as warnings: a login others
        could read may already have been copied, so the user should know, not only be protected.
        """
        if os.name == "nt" or not self.folder.is_dir():  # Windows modes do not express this
            return []
        warnings: list[str] = []
        entries = [(self.folder, PRIVATE_FOLDER_MODE, "account folder")]
        for entry in sorted(self.folder.iterdir()):
            if entry.name == DEFAULT_MARKER or (entry.suffix == ".json" and not entry.name.startswith(".")):
                entries.append((entry, PRIVATE_FILE_MODE, "account file"))
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
                    f"tightened ({_reason(error)}); run `chmod {wanted:o} {path}`."
                )
                continue
            warnings.append(
                f"The {what} {path} could be read by other users (mode {current:o}); it is now {wanted:o}. "
                "If others may have copied it, run `personalize-mcp logout` and log in again."
            )
        return warnings

    # -- reading -----------------------------------------------------------------------------

    def load(self, name: str) -> StoredAccount | None:
        """The stored account, `None` when there is none, `AccountStoreError` when it is unusable."""
        path = self.path(name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _unreadable(name, path, _reason(error)) from None
        try:
            account = StoredAccount.from_file_json(json.loads(raw))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _unreadable(name, path, "it is not valid JSON") from None
        except RecursionError:
            raise _unreadable(name, path, "it is nested too deeply to be an account") from None
        except AccountFileInvalid as error:
            raise _unreadable(name, path, str(error)) from None
        if account.name != name:
            raise _unreadable(name, path, f"it holds account '{account.name}', not '{name}'")
        return account

    def names(self) -> list[str]:
        """Names of all account files, sorted (whether or not they parse)."""
        if not self.folder.is_dir():
            return []
        names = []
        for entry in self.folder.iterdir():
            if entry.suffix == ".json" and not entry.name.startswith("."):
                stem = entry.stem
                with contextlib.suppress(Exception):
                    names.append(validate_account_name(stem))
        return sorted(names)

    def list_accounts(self) -> list[StoredAccount | UnreadableAccount]:
        """Every stored account, with unusable files reported in place rather than skipped."""
        result: list[StoredAccount | UnreadableAccount] = []
        for name in self.names():
            try:
                account = self.load(name)
            except AccountStoreError as error:
                result.append(UnreadableAccount(name, self.path(name), error))
                continue
            if account is not None:
                result.append(account)
        return result

    # -- writing -----------------------------------------------------------------------------

    def save(self, account: StoredAccount) -> None:
        """Store `account` (replacing one of the same name); the first stored becomes default.

        Takes the account's lock. Callers that already hold it use `write_locked`.
        """
        with self.locked(account.name):
            self.write_locked(account)
        self._adopt_default_if_unset(account.name)

    def write_locked(self, account: StoredAccount) -> None:
        """Atomically replace the account's file. The caller holds `lock(account.name)`."""
        self._ensure_folder()
        data = json.dumps(account.to_file_json(), indent=2, sort_keys=True).encode() + b"\n"
        self._atomic_write(self.path(account.name), data)

    def delete(self, name: str) -> bool:
        """Forget an account (even an unreadable one: this is the user's explicit fix).

        Clears the default marker when it named this account; no other account is promoted, so
        a server that used it answers "run `personalize-mcp login`" instead of switching silently.
        """
        path = self.path(name)
        if not path.exists():
            return False
        with self.locked(name):
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            except OSError as error:
                raise AccountStoreError(
                    f"Cannot remove the account file {path} ({error.strerror or error}); check its permissions."
                ) from None
            _fsync_dir(self.folder)
        with self._hold(self._lock(self.folder / DEFAULT_LOCK), "default-account marker"):
            if self._read_default_marker() == name:
                marker = self.folder / DEFAULT_MARKER
                marker.unlink(missing_ok=True)
                _fsync_dir(self.folder)
        return True

    # -- the default account ---------------------------------------------------------------

    def default_name(self) -> str | None:
        """The default account's name: the one set (while its file exists), else the account named
        `default` if there is one (the contract's default name), else None."""
        name = self._read_default_marker()
        if name is not None and self.path(name).exists():
            return name
        return DEFAULT_ACCOUNT_NAME if self.path(DEFAULT_ACCOUNT_NAME).exists() else None

    def set_default(self, name: str) -> None:
        path = self.path(name)
        if not path.exists():
            raise AccountStoreError(_unknown_account_sentence(name, self.names()))
        self.load(name)  # refuse to make an unreadable account the default
        with self._hold(self._lock(self.folder / DEFAULT_LOCK), "default-account marker"):
            self._write_default_marker(name)

    def _adopt_default_if_unset(self, name: str) -> None:
        with self._hold(self._lock(self.folder / DEFAULT_LOCK), "default-account marker"):
            try:
                current = self._read_default_marker()
            except AccountStoreError:
                return  # an unreadable marker is reported where it is read, never overwritten here
            unset = current is None or not self.path(current).exists()
            if unset and (name == DEFAULT_ACCOUNT_NAME or not self.path(DEFAULT_ACCOUNT_NAME).exists()):
                self._write_default_marker(name)

    def _read_default_marker(self) -> str | None:
        marker = self.folder / DEFAULT_MARKER
        try:
            data: Any = json.loads(marker.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError) as error:
            if isinstance(error, OSError):
                reason = _reason(error)
            elif isinstance(error, RecursionError):
                reason = "it is nested too deeply"
            else:
                reason = "it is not valid JSON"
            raise AccountStoreError(
                f"The default-account marker {marker} is unreadable ({reason}); choose the default again "
                "with `personalize-mcp accounts --default NAME`."
            ) from None
        name = data.get("default_account") if isinstance(data, dict) else None
        if not isinstance(name, str):
            raise AccountStoreError(
                f"The default-account marker {marker} is unreadable (no default_account name); choose the "
                "default again with `personalize-mcp accounts --default NAME`."
            )
        try:
            return validate_account_name(name)
        except Exception:
            return None

    def _write_default_marker(self, name: str) -> None:
        data = json.dumps({"default_account": name}, indent=2).encode() + b"\n"
        self._atomic_write(self.folder / DEFAULT_MARKER, data)

    def _atomic_write(self, path: Path, data: bytes) -> None:
        """Temp file (0600) beside the file, one fsync, `os.replace`, then fsync the folder.

        A link is written through: its target is replaced, the link stays. A failure anywhere
        leaves the previous file exactly as it was, removes the temp file and raises
        `AccountWriteError`. The folder's fsync (making the rename survive a power cut) comes after
        the rename, so a process killed at any moment finds either file complete.
        """
        target = _link_target(path) or path
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
            _fsync_dir(folder)
        except OSError:  # the new file is in place; only its durability across a power cut is unsure
            logger.warning("Could not fsync the folder %s after replacing %s", folder, target, exc_info=True)


def _fsync_dir(folder: Path) -> None:
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


def _link_target(path: Path) -> Path | None:
    """The file a symbolic link finally points to (absolute), or None when `path` is no link."""
    try:
        if not path.is_symlink():
            return None
    except OSError:
        return None
    return Path(os.path.realpath(path))


def _reason(error: OSError) -> str:
    """The errno text of an OS error ("No space left on device"), never its arguments."""
    return error.strerror or type(error).__name__


class AccountWriteError(AccountStoreError):
    """An account file could not be written; the previous file is as it was.

    `path` and `reason` (the errno text) let a caller whose write matters more than usual (a
    refresh that rotated the refresh token) say what that means for the login.
    """

    def __init__(self, message: str, *, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


def _unreadable(name: str, path: Path, reason: str) -> AccountStoreError:
    return AccountStoreError(
        f"The stored account file {path} is unreadable ({reason}); restore the file, or run "
        f"`personalize-mcp logout --account {name}` and then `personalize-mcp login --account {name}`."
    )


def _write_failed(path: Path, error: OSError) -> AccountWriteError:
    reason = _reason(error)
    logger.error("Cannot write the account file %s", path, exc_info=error)
    return AccountWriteError(
        f"Cannot write the account file {path} ({reason}); the previous file is unchanged; "
        "check the folder's permissions and free space.",
        path=path,
        reason=reason,
    )


def _unknown_account_sentence(name: str, known: list[str]) -> str:
    stored = f" (stored: {', '.join(known)})" if known else ""
    return f"No stored account named '{name}'{stored}; run `personalize-mcp login --account {name}` to add it."
