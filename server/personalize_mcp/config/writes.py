"""`serve --writes off|drafts|all`, `--confirm elicitation|token` and `--max-applies-per-minute`, checked once.

Writes are off unless the person running the server turns them on (flag, else `PERSONALIZE_MCP_WRITES`).
`drafts` allows only what cannot change what a visitor sees now; `all` allows everything. How a destructive
plan is confirmed when the client cannot ask the person: `elicitation` (default) refuses it and names
`personalize-mcp approve PLAN_ID`; `token` accepts the plan's confirmation token instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from personalize_mcp.runtime.errors import ConfigurationError

ENV_WRITES = "PERSONALIZE_MCP_WRITES"
WRITE_MODES = ("off", "drafts", "all")
CONFIRM_MODES = ("elicitation", "token")
DEFAULT_MAX_APPLIES_PER_MINUTE = 20
PLAN_TTL_SECONDS = 600.0
"""Plans expire after 10 minutes (CONTRACT.md)."""

WriteMode = Literal["off", "drafts", "all"]
ConfirmMode = Literal["elicitation", "token"]


@dataclass(frozen=True, slots=True)
class WriteSettings:
    mode: WriteMode = "off"
    confirm: ConfirmMode = "elicitation"
    max_applies_per_minute: int = DEFAULT_MAX_APPLIES_PER_MINUTE

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @classmethod
    def resolve(
        cls,
        env: Mapping[str, str],
        *,
        mode: str | None = None,
        confirm: str | None = None,
        max_applies_per_minute: int = DEFAULT_MAX_APPLIES_PER_MINUTE,
    ) -> WriteSettings:
        """Flags over `PERSONALIZE_MCP_WRITES` over off; one sentence for a value that is not a choice."""
        chosen = (mode or env.get(ENV_WRITES, "").strip() or "off").lower()
        if chosen not in WRITE_MODES:
            source = "--writes" if mode else ENV_WRITES
            raise ConfigurationError(f"{source} must be off, drafts or all, got {chosen[:20]!r}.")
        how = (confirm or "elicitation").lower()
        if how not in CONFIRM_MODES:
            raise ConfigurationError(f"--confirm must be elicitation or token, got {how[:20]!r}.")
        if not 1 <= max_applies_per_minute <= 10_000:
            raise ConfigurationError(
                f"--max-applies-per-minute must be between 1 and 10000, got {max_applies_per_minute}."
            )
        return cls(cast(WriteMode, chosen), cast(ConfirmMode, how), max_applies_per_minute)
