"""`--store` and `--rate-limiter` for HTTP serving, checked before anything starts.

Refused at start (exit 2, one sentence): a Redis store without `PERSONALIZE_MCP_SECRET_KEYS`
(several machines would hold logins sealed with nothing), a Redis store with the in-process rate
limiter (each replica would spend the organisation's 10 requests/s on its own), a shared limiter
without Redis (nothing to share it through), and `--auth broker` without keys (stored Contentstack
tokens are always sealed).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from personalize_mcp.connection.shared_ratelimit import SharedRateLimiter
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.store.locate import check_store_url, default_store_url, is_shared_across_machines, open_slot_ledger
from personalize_mcp.store.redis_store import masked_url
from personalize_mcp.store.sealing import ENV_SECRET_KEYS, SecretKeys


@dataclass(frozen=True, slots=True)
class SharedState:
    """Where state shared by processes lives, the keys that seal it, and whose rate limit counts."""

    store_url: str
    keys: SecretKeys | None
    shared_limiter: bool

    @classmethod
    def from_args(cls, args: argparse.Namespace, env: Mapping[str, str], home: Path, *, broker: bool) -> SharedState:
        store = getattr(args, "store", None)
        url = check_store_url(store) if store else default_store_url(home)
        keys = SecretKeys.from_env(env)
        redis = is_shared_across_machines(url)
        shown = masked_url(url)
        if keys is None and (redis or broker):
            why = f"--store {shown}" if redis else "--auth broker"
            raise ConfigurationError(
                f"{why} needs {ENV_SECRET_KEYS}: comma-separated keys of 32 bytes or more (the first seals stored "
                "Contentstack logins, all open them), e.g. from `openssl rand -base64 32`."
            )
        limiter = getattr(args, "rate_limiter", None) or ("shared" if redis else "process")
        if redis and limiter == "process":
            raise ConfigurationError(
                f"With --store {shown} the replicas must share Contentstack's rate limit: drop --rate-limiter process "
                "(each replica would spend the organisation's 10 requests/s on its own)."
            )
        if limiter == "shared" and not redis:
            raise ConfigurationError("--rate-limiter shared needs --store redis://… for the replicas to share it.")
        return cls(store_url=url, keys=keys, shared_limiter=limiter == "shared")

    @property
    def summary(self) -> str:
        """For the start-up line: where state lives and whose rate limit counts (a password masked)."""
        limit = "shared by every replica" if self.shared_limiter else "this process's own"
        return f"state in {masked_url(self.store_url)}, rate limit {limit}"

    def required_keys(self) -> SecretKeys:
        if self.keys is None:
            raise ConfigurationError(f"{ENV_SECRET_KEYS} is not set.")
        return self.keys


@asynccontextmanager
async def open_limiter(state: SharedState) -> AsyncIterator[SharedRateLimiter | None]:
    """The replicas' shared limiter when chosen (None: the client stack makes its own)."""
    if not state.shared_limiter:
        yield None
        return
    ledger = open_slot_ledger(state.store_url)
    try:
        yield SharedRateLimiter(ledger)
    finally:
        await ledger.aclose()
