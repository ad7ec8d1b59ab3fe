"""`--store URL` to a backend: `sqlite:///path` (the default, under `PERSONALIZE_MCP_HOME`), `memory://`,
`redis://` / `rediss://`. A URL of any other kind is one sentence naming the kinds."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.store.protocol import KeyValueStore
from personalize_mcp.store.slots import SlotLedger

STATE_FILE_NAME = "state.sqlite3"
KINDS = "sqlite:///PATH, redis://HOST[:PORT][/DB], rediss://… or memory://"


def default_store_url(home: Path) -> str:
    """The SQLite file every local process shares: `PERSONALIZE_MCP_HOME/state.sqlite3`."""
    return f"sqlite:///{home / STATE_FILE_NAME}"


def check_store_url(url: str) -> str:
    """`url` when it names a backend this server has; else one sentence (a password never repeated)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("redis", "rediss", "memory"):
        return url
    if scheme == "sqlite":
        if not _sqlite_path(url):
            raise ConfigurationError(f"--store sqlite:///PATH needs a file path, e.g. sqlite:///{STATE_FILE_NAME}.")
        return url
    shown = scheme or url.split(":", 1)[0][:20]
    raise ConfigurationError(f"--store {shown!r} is not a kind of store this server has; use {KINDS}.")


def is_shared_across_machines(url: str) -> bool:
    """True for Redis, the backend replicas on several machines share."""
    return urlsplit(url).scheme.lower() in ("redis", "rediss")


def open_store(url: str) -> KeyValueStore:
    """The backend `url` names (checked first); nothing is opened until its first operation."""
    check_store_url(url)
    scheme = urlsplit(url).scheme.lower()
    if scheme == "memory":
        from personalize_mcp.store.memory_store import MemoryStore

        return MemoryStore()
    if scheme == "sqlite":
        from personalize_mcp.store.sqlite_store import SQLiteStore

        return SQLiteStore(Path(_sqlite_path(url)))
    from personalize_mcp.store.redis_store import RedisStore

    return RedisStore(url)


def open_slot_ledger(url: str) -> SlotLedger:
    """The rate-limit ledger replicas share: Redis only (one process keeps its limiter in memory)."""
    if not is_shared_across_machines(url):
        raise ConfigurationError("A rate limit shared by replicas needs --store redis://… (or rediss://).")
    from personalize_mcp.store.redis_slots import RedisSlots

    return RedisSlots(url)


def _sqlite_path(url: str) -> str:
    """`sqlite:////abs/path` and `sqlite:///rel/path` as SQLAlchemy spells them; `sqlite:///abs` too."""
    return unquote(url[len("sqlite:///") :]) if url.lower().startswith("sqlite:///") else ""
