"""The default backend: one SQLite file under `PERSONALIZE_MCP_HOME`, shared by every local process.

Nothing to install, and a terminal's `personalize-mcp approve` reaches the server's process through
it. Every operation is one `BEGIN IMMEDIATE` transaction (a write lock taken up front, so two
processes never interleave a read and a write); WAL lets readers go on meanwhile. The file is
created owner-only (0600) in an owner-only folder. Calls run in a worker thread, never on the loop.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from personalize_mcp.store.protocol import StoreError

T = TypeVar("T")

_SCHEMA = "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at REAL)"
_PURGE_EVERY = 200
"""Writes between sweeps of expired rows (reads ignore them anyway)."""


class SQLiteStore:
    """`KeyValueStore` in one SQLite file."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time, busy_timeout: float = 10.0) -> None:
        self._path = path
        self._clock = clock
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._writes = 0

    @property
    def url(self) -> str:
        return f"sqlite:///{self._path}"

    # ---- connection ----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        try:
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._path.exists():
                os.close(os.open(self._path, os.O_CREAT | os.O_WRONLY, 0o600))
            connection = sqlite3.connect(
                self._path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"The state file {self._path} cannot be opened ({_reason(error)}).") from error
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.chmod(f"{self._path}{suffix}", 0o600)
        self._connection = connection
        return connection

    def _transaction(self, work: Callable[[sqlite3.Connection, float], T], *, writes: bool) -> T:
        with self._lock:
            connection = self._connect()
            try:
                connection.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
                try:
                    result = work(connection, self._clock())
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                if writes:
                    self._after_write(connection)
                return result
            except sqlite3.Error as error:
                raise StoreError(f"The state file {self._path} cannot be used ({_reason(error)}).") from error

    def _after_write(self, connection: sqlite3.Connection) -> None:
        self._writes += 1
        if self._writes % _PURGE_EVERY == 0:
            connection.execute("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?", (self._clock(),))

    async def _run(self, work: Callable[[sqlite3.Connection, float], T], *, writes: bool = True) -> T:
        return await anyio.to_thread.run_sync(lambda: self._transaction(work, writes=writes))

    # ---- operations ----------------------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        return await self._run(lambda db, now: _live(db, key, now), writes=False)

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        def work(db: sqlite3.Connection, now: float) -> None:
            _put(db, key, value, _expiry(now, ttl))

        await self._run(work)

    async def add(self, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        def work(db: sqlite3.Connection, now: float) -> bool:
            if _live(db, key, now) is not None:
                return False
            _put(db, key, value, _expiry(now, ttl))
            return True

        return await self._run(work)

    async def take(self, key: str) -> bytes | None:
        def work(db: sqlite3.Connection, now: float) -> bytes | None:
            value = _live(db, key, now)
            db.execute("DELETE FROM kv WHERE key = ?", (key,))
            return value

        return await self._run(work)

    async def compare_and_set(
        self, key: str, expected: bytes | None, value: bytes | None, *, ttl: float | None = None
    ) -> bool:
        def work(db: sqlite3.Connection, now: float) -> bool:
            if _live(db, key, now) != expected:
                return False
            if value is None:
                db.execute("DELETE FROM kv WHERE key = ?", (key,))
            else:
                _put(db, key, value, _expiry(now, ttl))
            return True

        return await self._run(work)

    async def delete(self, key: str) -> bool:
        def work(db: sqlite3.Connection, now: float) -> bool:
            present = _live(db, key, now) is not None
            db.execute("DELETE FROM kv WHERE key = ?", (key,))
            return present

        return await self._run(work)

    async def increment(self, key: str, *, ttl: float) -> int:
        def work(db: sqlite3.Connection, now: float) -> int:
            row = db.execute("SELECT value, expires_at FROM kv WHERE key = ?", (key,)).fetchone()
            if row is None or (row[1] is not None and row[1] <= now):
                _put(db, key, b"1", now + ttl)
                return 1
            count = int(row[0]) + 1
            _put(db, key, str(count).encode(), row[1])
            return count

        return await self._run(work)

    async def keys(self, prefix: str) -> list[str]:
        def work(db: sqlite3.Connection, now: float) -> list[str]:
            # Keys compare as bytes (BINARY collation): every key with the prefix sorts in [prefix, prefix + max).
            rows = db.execute(
                "SELECT key FROM kv WHERE key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key",
                (prefix, prefix + "\U0010ffff", now),
            ).fetchall()
            return [str(row[0]) for row in rows]

        return await self._run(work, writes=False)

    async def aclose(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _live(db: sqlite3.Connection, key: str, now: float) -> bytes | None:
    row = db.execute("SELECT value, expires_at FROM kv WHERE key = ?", (key,)).fetchone()
    if row is None or (row[1] is not None and row[1] <= now):
        return None
    return bytes(row[0])


def _put(db: sqlite3.Connection, key: str, value: bytes, expires_at: float | None) -> None:
    db.execute("INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)", (key, bytes(value), expires_at))


def _expiry(now: float, ttl: float | None) -> float | None:
    return None if ttl is None else now + ttl


def _reason(error: BaseException) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__
