"""`--cache-ttl` / `--no-cache`, `--deadline` and `--max-upstream-bytes`, checked (README: "Resilience")."""

from __future__ import annotations

import argparse
import math
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.connection.stack import DEFAULT_MAX_RESPONSE_BYTES, Connection, Limiter, open_lookups
from personalize_mcp.runtime.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class LookupOptions:
    """`--cache-ttl` / `--no-cache`, `--deadline` and `--max-upstream-bytes`, checked."""

    cache_ttl: float
    deadline: float
    max_upstream_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LookupOptions:
        cache_ttl = 0.0 if args.no_cache else args.cache_ttl
        if not (math.isfinite(cache_ttl) and cache_ttl >= 0):
            raise ConfigurationError(f"--cache-ttl must be 0 or more seconds, got {args.cache_ttl}.")
        if not (math.isfinite(args.deadline) and args.deadline > 0):
            raise ConfigurationError(f"--deadline must be a positive number of seconds, got {args.deadline}.")
        if args.max_upstream_bytes < 1024:
            raise ConfigurationError(f"--max-upstream-bytes must be at least 1024, got {args.max_upstream_bytes}.")
        return cls(cache_ttl=cache_ttl, deadline=args.deadline, max_upstream_bytes=args.max_upstream_bytes)

    def open(
        self,
        connection: Connection,
        *,
        default_project_uid: str | None,
        write_mode: str,
        limiter: Limiter | None = None,
    ) -> AbstractAsyncContextManager[Lookups]:
        """The lookups `serve` runs with, these options applied (one place for stdio, HTTP and the broker)."""
        return open_lookups(
            connection,
            default_project_uid=default_project_uid,
            cache_ttl=self.cache_ttl,
            deadline=self.deadline,
            max_response_bytes=self.max_upstream_bytes,
            limiter=limiter,
            write_mode=write_mode,
        )
