"""The journal: one append-only JSON-lines file per book under `PERSONALIZE_MCP_HOME/journal/` (0600).

A book is the stored account's (one login, over stdio) or, on a shared server where each person acts as
themselves, the organisation's: the team sees who changed what. Replicas on a shared store also keep each
line in it (`SharedJournal`), so every replica lists and undoes every change; the file stays each replica's
own record.

Each apply writes its intent before the first upstream call and its result after the last, so a crash in
between still leaves what was attempted. An entry holds who (the login's user, account, organisation),
which client, when, the plan, the objects as they were and the upstream answers -- never a token (the
HTTP core keeps tokens in headers; nothing here sees one). A line is written whole with one `write` on a
file opened for appending, then synced; a line that cannot be read (a torn last line after a power cut)
is skipped, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio.to_thread

from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.store.protocol import KeyValueStore

logger = logging.getLogger(__name__)

FOLDER = "journal"


def file_name(book: str) -> str:
    """A file name for `book` that no other book shares: its plain part, then a digest when it had to change."""
    plain = re.sub(r"[^A-Za-z0-9_-]", "_", book)[:48] or "book"
    return plain if plain == book else f"{plain}-{hashlib.sha256(book.encode()).hexdigest()[:12]}"


def encode(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str)


class Journal:
    """The journal in files, under one home (a process's own record)."""

    def __init__(self, home: Path) -> None:
        self.folder = home / FOLDER

    def path(self, book: str) -> Path:
        return self.folder / f"{file_name(book)}.jsonl"

    async def append(self, book: str, entry: Mapping[str, Any]) -> None:
        await anyio.to_thread.run_sync(self._append, self.path(book), (encode(entry) + "\n").encode())

    def _append(self, path: Path, data: bytes) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.fchmod(descriptor, 0o600)
                size = os.fstat(descriptor).st_size
                if size and os.pread(descriptor, 1, size - 1) != b"\n":
                    data = b"\n" + data  # a line torn by a crash stays alone, never glued to this one
                os.write(descriptor, data)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise ConfigurationError(
                f"The change journal {path} cannot be written ({error.strerror or type(error).__name__}); nothing "
                "was sent to Contentstack -- make PERSONALIZE_MCP_HOME writable."
            ) from None

    async def entries(self, book: str) -> list[dict[str, Any]]:
        """Every readable entry, oldest first."""
        return await anyio.to_thread.run_sync(self._read, self.path(book))

    @staticmethod
    def _read(path: Path) -> list[dict[str, Any]]:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as error:
            raise ConfigurationError(f"The change journal {path} cannot be read ({error.strerror}).") from None
        entries: list[dict[str, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                logger.warning("Skipping unreadable line %d of the change journal %s", number, path)
                continue
            if isinstance(entry, dict):
                entries.append(entry)
        return entries


class SharedJournal(Journal):
    """The journal of replicas sharing a store: each line in this replica's file, then in the store (keys in
    time order), which is what every replica reads. A line the store cannot take is one sentence, raised
    after the file has it: an intent is never followed by an upstream call the other replicas cannot see."""

    def __init__(self, home: Path, store: KeyValueStore) -> None:
        super().__init__(home)
        self.store = store

    @staticmethod
    def _prefix(book: str) -> str:
        return f"journal/{file_name(book)}/"

    async def append(self, book: str, entry: Mapping[str, Any]) -> None:
        await super().append(book, entry)
        key = f"{self._prefix(book)}{time.time_ns():020d}-{os.urandom(4).hex()}"
        await self.store.set(key, encode(entry).encode())

    async def entries(self, book: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        for key in await self.store.keys(self._prefix(book)):
            raw = await self.store.get(key)
            try:
                entry = json.loads(raw) if raw is not None else None
            except ValueError:
                logger.warning("Skipping an unreadable journal entry %s in the shared store", key)
                continue
            if isinstance(entry, dict):
                entries.append(entry)
        return entries


def fold(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Entries by change id: `{"intent": ..., "result": ... or None, "undone_by": change id or None}`."""
    changes: dict[str, dict[str, Any]] = {}
    for entry in entries:
        change_id = entry.get("change_id")
        if not isinstance(change_id, str):
            continue
        slot = changes.setdefault(change_id, {"intent": None, "result": None, "undone_by": None})
        slot[entry.get("type", "intent")] = entry
    for change_id, slot in changes.items():
        result = slot["result"] or {}
        undoes = (slot["intent"] or {}).get("undoes")
        if undoes in changes and result.get("outcome") in ("applied", "partial"):
            changes[undoes]["undone_by"] = change_id
    return changes
