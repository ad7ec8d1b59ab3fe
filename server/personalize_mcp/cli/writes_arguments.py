"""Flags of guarded writes (README: "Writes"): `--writes`, `--confirm`, `--max-applies-per-minute`."""

from __future__ import annotations

import argparse

from personalize_mcp.config.writes import DEFAULT_MAX_APPLIES_PER_MINUTE


def add_writes_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the writes group to `parser` (serve)."""
    writes = parser.add_argument_group("Guarded writes")
    writes.add_argument(
        "--writes",
        choices=["off", "drafts", "all"],
        default=None,
        help="off: read-only, no write tool listed; drafts: only changes no visitor sees now; all: every change "
        "(default: PERSONALIZE_MCP_WRITES, else off)",
    )
    writes.add_argument(
        "--confirm",
        choices=["elicitation", "token"],
        default="elicitation",
        help="how a destructive plan is confirmed when the client cannot ask the person: elicitation needs "
        "`personalize-mcp approve PLAN_ID` in a terminal, token accepts the plan's token (default elicitation)",
    )
    writes.add_argument(
        "--max-applies-per-minute",
        type=int,
        default=DEFAULT_MAX_APPLIES_PER_MINUTE,
        metavar="N",
        help=f"applies one server process makes a minute at most, against runaway loops "
        f"(default {DEFAULT_MAX_APPLIES_PER_MINUTE})",
    )
