"""The flag that picks which tools `serve` offers (README: "Toolsets")."""

from __future__ import annotations

import argparse

from personalize_mcp.config.toolsets import TOOLSET_NAMES


def add_toolset_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--toolsets` to `parser` (checked with the other settings, so a bad name is one sentence)."""
    parser.add_argument(
        "--toolsets",
        metavar="LIST",
        help=f"offer only these toolsets' tools, comma-separated: {', '.join(TOOLSET_NAMES)} "
        "(default: PERSONALIZE_MCP_TOOLSETS, else all)",
    )
