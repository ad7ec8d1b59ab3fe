"""Which toolsets `serve` offers: `--toolsets LIST` or `PERSONALIZE_MCP_TOOLSETS`, checked once, at start.

The names are the product's (CONTRACT.md, "Choosing tools"), like the region names: the MCP face
registers each name's tools (`mcp_server.tools.TOOLSETS`, held to this list by a test). An unknown
name is one sentence listing the valid ones -- refused before anything is served over HTTP, and
answered by every tool over stdio, as any bad setting is.
"""

from __future__ import annotations

from personalize_mcp.runtime.errors import ConfigurationError, quoted

TOOLSET_NAMES: tuple[str, ...] = ("core", "catalogue", "results", "simulation", "insights")
"""Every toolset a person may name, in the order they are listed; the default is all of them."""

ALL = "all"
"""Also accepted: every toolset (what leaving the setting out means)."""


def parse_toolsets(text: str | None, *, source: str) -> tuple[str, ...]:
    """The toolsets `text` names (comma-separated, any case), in table order; unset, empty or `all`: every one."""
    named = {word.strip().lower() for word in (text or "").split(",")} - {""}
    unknown = sorted(named - {ALL, *TOOLSET_NAMES})
    if unknown:
        shown = ", ".join(quoted(word) for word in unknown[:3])
        raise ConfigurationError(
            f"Unknown toolset {shown} in {source}; the toolsets are {', '.join(TOOLSET_NAMES)} (or {ALL})."
        )
    if not named or ALL in named:
        return TOOLSET_NAMES
    return tuple(name for name in TOOLSET_NAMES if name in named)
