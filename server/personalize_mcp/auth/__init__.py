"""Stored accounts and OAuth login (issue 3)."""

from __future__ import annotations

from collections.abc import Mapping

from personalize_mcp.credentials import Credentials, MissingCredentials
from personalize_mcp.settings import ConnectionOverrides, ConnectionSettings, ServerSettings


def load_credentials(
    server: ServerSettings, env: Mapping[str, str], *, region: str | None = None
) -> tuple[Credentials, ConnectionSettings]:
    """The chosen account's credentials and connection (no account store yet: not connected)."""
    overrides = ConnectionOverrides.from_env(env)
    if region:
        overrides = ConnectionOverrides(region=region).over(overrides)
    return MissingCredentials(), ConnectionSettings.resolve(overrides)
