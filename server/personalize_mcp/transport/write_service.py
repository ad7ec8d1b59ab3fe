"""The write tools' service for `serve --writes drafts|all`, and the rule that keeps writes off a shared login.

Plans and approvals go to the key-value store (`--store URL` when given, else the SQLite file under
`PERSONALIZE_MCP_HOME` that `personalize-mcp approve` reads too), the journal to files under the same home
(and, on a store replicas share, to the store too). Over HTTP, writes are refused at start unless each
person acts as themselves (`--auth broker`): a shared login would let anyone who reaches the server write as
whoever logged in.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from personalize_mcp.config.writes import WriteSettings
from personalize_mcp.runtime.errors import ConfigurationError

if TYPE_CHECKING:
    from personalize_mcp.answers.lookups import Lookups
    from personalize_mcp.answers.writes.service import WriteService


def write_settings(args: argparse.Namespace) -> WriteSettings:
    return WriteSettings.resolve(
        os.environ,
        mode=getattr(args, "writes", None),
        confirm=getattr(args, "confirm", None),
        max_applies_per_minute=getattr(args, "max_applies_per_minute", 20),
    )


def refuse_http_writes(args: argparse.Namespace, settings: WriteSettings) -> None:
    """Exit 2 (one sentence) for writes over HTTP unless each person acts as themselves."""
    if settings.enabled and getattr(args, "auth", None) != "broker":
        raise ConfigurationError(
            f"--writes {settings.mode} over HTTP is refused unless each person acts as themselves (`--auth broker`); "
            "serve writes over stdio, or start with --writes off."
        )


@asynccontextmanager
async def open_write_service(
    lookups: Lookups, settings: WriteSettings, home: Path, store_url: str | None = None, *, team: bool = False
) -> AsyncIterator[WriteService | None]:
    """The service when writes are on (its store closed on exit), else None.

    `team`: each person acts as themselves (`--auth broker`), so the journal is the organisation's; on a store
    replicas share (Redis) it is kept in the store too, so every replica lists and undoes every change.
    """
    if not settings.enabled:
        yield None
        return
    # Imported here: with writes off (the default) `serve` starts without the write code and the store.
    from personalize_mcp.answers.writes.journal import Journal, SharedJournal
    from personalize_mcp.answers.writes.service import WriteService
    from personalize_mcp.store.locate import default_store_url, is_shared_across_machines, open_store

    url = store_url or default_store_url(home)
    store = open_store(url)
    journal = SharedJournal(home, store) if is_shared_across_machines(url) else Journal(home)
    try:
        yield WriteService(lookups, settings, store, journal, team_book=team)
    finally:
        await store.aclose()
