"""The account store: one JSON file per account, written so that a login is never lost.

Layout under the home folder (`PERSONALIZE_MCP_HOME` or the user's config folder):

    accounts/               0700
      <name>.json           0600  one account (see `account.StoredAccount`)
      <name>.lock                 its exclusive lock (flock), taken for every write
      default.marker        0600  {"default_account": "<name>"} (not `.json`: no account's name)
      default.marker.lock         lock for the default marker

Every write is atomic: a temporary file in the same folder (created 0600), fsync, `os.replace`,
fsync of the folder. Readers therefore see the old file or the new one, never half of one, and
need no lock; writers take the account's lock so read-modify-write cycles (a token refresh that
must re-read the file first) cannot interleave across processes.

A file that cannot be read or parsed raises `AccountStoreError` naming its path and the fix; the
store never overwrites or deletes such a file on its own (only an explicit `logout` removes it).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
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
        worker thread and released in another, which the async refresh path relies on)."""
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

    def _ensure_folder(self) -> None:
        try:
            if not self.home.exists():
                self.home.mkdir(mode=0o700, parents=True)
            self.folder.mkdir(mode=0o700, exist_ok=True)
            # mkdir's mode is filtered by the umask, and an older folder may be wider.
            if self.folder.stat().st_mode & 0o777 != 0o700:
                self.folder.chmod(0o700)
        except OSError as error:
            raise AccountStoreError(
                f"Cannot create the account folder {self.folder} ({error.strerror or error}); "
                "check its permissions or set PERSONALIZE_MCP_HOME to a writable folder."
            ) from None

    # -- reading -----------------------------------------------------------------------------

    def load(self, name: str) -> StoredAccount | None:
        """The stored account, `None` when there is none, `AccountStoreError` when it is unusable."""
        path = self.path(name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _unreadable(name, path, error.strerror or type(error).__name__) from None
        try:
            account = StoredAccount.from_file_json(json.loads(raw))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _unreadable(name, path, "it is not valid JSON") from None
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
        except (OSError, ValueError) as error:
            reason = "it is not valid JSON" if isinstance(error, ValueError) else error.strerror
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
        """Temp file (0600) in the same folder, fsync, `os.replace`, fsync the folder.

        A failure anywhere leaves the previous file exactly as it was and removes the temp file.
        """
        try:
            fd, temp_name = tempfile.mkstemp(dir=self.folder, prefix=f".{path.stem}.", suffix=".tmp")
        except OSError as error:
            raise _write_failed(path, error) from None
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                if hasattr(os, "fchmod"):  # mkstemp already made it 0600; this is belt and braces
                    os.fchmod(handle.fileno(), 0o600)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException as error:
            with contextlib.suppress(OSError):
                temp.unlink()
            if isinstance(error, OSError):
                raise _write_failed(path, error) from None
            raise
        _fsync_dir(self.folder)


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


def _unreadable(name: str, path: Path, reason: str) -> AccountStoreError:
    return AccountStoreError(
        f"The stored account file {path} is unreadable ({reason}); restore the file, or run "
        f"`personalize-mcp logout --account {name}` and then `personalize-mcp login --account {name}`."
    )


def _write_failed(path: Path, error: OSError) -> AccountStoreError:
    return AccountStoreError(
        f"Cannot write the account file {path} ({error.strerror or type(error).__name__}); the previous "
        "file is unchanged; check the folder's permissions and free space."
    )


def _unknown_account_sentence(name: str, known: list[str]) -> str:
    stored = f" (stored: {', '.join(known)})" if known else ""
    return f"No stored account named '{name}'{stored}; run `personalize-mcp login --account {name}` to add it."
