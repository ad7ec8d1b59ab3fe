"""The account store: one JSON file per account, written so that a login is never lost.

Layout under the home folder (`PERSONALIZE_MCP_HOME` or the user's config folder):

    accounts/               0700
      <name>.json           0600  one account (see `account.StoredAccount`)
      <name>.lock                 its exclusive lock (flock), taken for every write
      default.marker        0600  {"default_account": "<name>"} (`default_marker`)
      default.marker.lock         lock for the default marker

Every write is atomic (`atomic_files`), so readers need no lock; writers take the account's lock
(`file_locks`) so read-modify-write cycles (a token refresh that must re-read the file first)
cannot interleave across processes. An account file that is a symbolic link is written through to
its target, and its lock is taken beside the target, so every home sharing it shares one lock.

A file that cannot be read or parsed (invalid JSON, nested too deeply, the wrong shape) raises
`AccountStoreError` naming its path and the fix; the store never overwrites or deletes such a file
on its own (only an explicit `logout` removes it). A folder or file that others may read is
tightened to 0700/0600 by `tighten_permissions` (`permissions`), which says what it changed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from personalize_mcp.auth import file_locks
from personalize_mcp.auth.account import DEFAULT_ACCOUNT_NAME, AccountFileInvalid, StoredAccount, validate_account_name
from personalize_mcp.auth.atomic_files import atomic_write, fsync_folder, link_target
from personalize_mcp.auth.default_marker import (
    DEFAULT_LOCK,
    DEFAULT_MARKER,
    MARKER_WHAT,
    read_default_marker,
    write_default_marker,
)
from personalize_mcp.auth.file_locks import LOCK_TIMEOUT_SECONDS
from personalize_mcp.auth.permissions import ensure_private_folder, os_reason, tighten_permissions
from personalize_mcp.runtime.errors import AccountStoreError

if TYPE_CHECKING:
    from filelock import FileLock

ACCOUNTS_DIR = "accounts"


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
        target = link_target(path)
        if target is not None:
            self._ensure_folder()
            return file_locks.file_lock(target.with_suffix(".lock"), timeout=self._lock_timeout)
        return self._lock(self.folder / f"{validate_account_name(name)}.lock")

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Hold the account's lock; a lock held too long becomes one sentence, not a hang."""
        with file_locks.held(self.lock(name), f"account '{name}'"):
            yield

    def acquire(self, name: str) -> FileLock:
        """Take the account's lock and return it held; the caller must `release()` it.

        For callers that acquire in a worker thread and release elsewhere (the async refresh).
        """
        lock = self.lock(name)
        file_locks.acquire(lock, f"account '{name}'")
        return lock

    def _lock(self, path: Path) -> FileLock:
        self._ensure_folder()
        return file_locks.file_lock(path, timeout=self._lock_timeout)

    def _marker_held(self) -> contextlib.AbstractContextManager[None]:
        return file_locks.held(self._lock(self.folder / DEFAULT_LOCK), MARKER_WHAT)

    def _ensure_folder(self) -> None:
        ensure_private_folder(self.home, self.folder)

    def tighten_permissions(self) -> list[str]:
        """Make the folder 0700 and every account file and marker 0600; one sentence per change.

        Called by `serve` and `accounts`, which show the sentences as warnings: a login others
        could read may already have been copied, so the user should know, not only be protected.
        """
        if not self.folder.is_dir():
            return []
        files = [
            entry
            for entry in sorted(self.folder.iterdir())
            if entry.name == DEFAULT_MARKER or (entry.suffix == ".json" and not entry.name.startswith("."))
        ]
        return tighten_permissions(self.folder, files)

    # -- reading -----------------------------------------------------------------------------

    def load(self, name: str) -> StoredAccount | None:
        """The stored account, `None` when there is none, `AccountStoreError` when it is unusable."""
        path = self.path(name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _unreadable(name, path, os_reason(error)) from None
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
        atomic_write(self.path(account.name), data)

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
            fsync_folder(self.folder)
        with self._marker_held():
            if read_default_marker(self.folder) == name:
                marker = self.folder / DEFAULT_MARKER
                marker.unlink(missing_ok=True)
                fsync_folder(self.folder)
        return True

    # -- the default account ---------------------------------------------------------------

    def default_name(self) -> str | None:
        """The default account's name: the one set (while its file exists), else the account named
        `default` if there is one (the contract's default name), else None."""
        name = read_default_marker(self.folder)
        if name is not None and self.path(name).exists():
            return name
        return DEFAULT_ACCOUNT_NAME if self.path(DEFAULT_ACCOUNT_NAME).exists() else None

    def set_default(self, name: str) -> None:
        path = self.path(name)
        if not path.exists():
            raise AccountStoreError(_unknown_account_sentence(name, self.names()))
        self.load(name)  # refuse to make an unreadable account the default
        with self._marker_held():
            write_default_marker(self.folder, name)

    def _adopt_default_if_unset(self, name: str) -> None:
        with self._marker_held():
            try:
                current = read_default_marker(self.folder)
            except AccountStoreError:
                return  # an unreadable marker is reported where it is read, never overwritten here
            unset = current is None or not self.path(current).exists()
            if unset and (name == DEFAULT_ACCOUNT_NAME or not self.path(DEFAULT_ACCOUNT_NAME).exists()):
                write_default_marker(self.folder, name)


def _unreadable(name: str, path: Path, reason: str) -> AccountStoreError:
    return AccountStoreError(
        f"The stored account file {path} is unreadable ({reason}); restore the file, or run "
        f"`personalize-mcp logout --account {name}` and then `personalize-mcp login --account {name}`."
    )


def _unknown_account_sentence(name: str, known: list[str]) -> str:
    stored = f" (stored: {', '.join(known)})" if known else ""
    return f"No stored account named '{name}'{stored}; run `personalize-mcp login --account {name}` to add it."
