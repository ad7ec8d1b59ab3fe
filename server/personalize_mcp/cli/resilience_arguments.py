"""Flags of the lookup cache, the per-call deadline and the upstream answer size (README: "Resilience")."""

from __future__ import annotations

import argparse


def add_resilience_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--cache-ttl` / `--no-cache`, `--deadline` and `--max-upstream-bytes` to `parser`."""
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-ttl",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="reuse lookup lists (projects, audiences, experiences, stacks, variant groups) this long (default 30)",
    )
    cache.add_argument(
        "--no-cache",
        action="store_true",
        help="never reuse lookups: the same as --cache-ttl 0; identical concurrent lookups still share one request "
        "(default off)",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="longest a tool call, resource read or prompt may take, retries and waits included; then it answers "
        "with one sentence (default 30)",
    )
    parser.add_argument(
        "--max-upstream-bytes",
        type=int,
        default=16 * 1024 * 1024,
        metavar="BYTES",
        help="most bytes one Contentstack answer may have once decompressed; a larger one is abandoned with one "
        "sentence (default 16777216)",
    )
