"""The default-account marker: `default.marker`, `{"default_account": "<name>"}`, beside the accounts.

Not a `.json` file, so it can never be mistaken for an account's. An unreadable marker is one
sentence with its fix; a marker naming no valid account name reads as no default.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from personalize_mcp.auth.account import validate_account_name
from personalize_mcp.auth.atomic_files import atomic_write
from personalize_mcp.auth.permissions import os_reason
from personalize_mcp.runtime.errors import AccountStoreError

DEFAULT_MARKER = "default.marker"
DEFAULT_LOCK = "default.marker.lock"
MARKER_WHAT = "default-account marker"
"""How lock sentences name what the marker's lock guards."""


def read_default_marker(folder: Path) -> str | None:
    """The account name the marker sets; None when there is no marker or its name is invalid."""
    marker = folder / DEFAULT_MARKER
    try:
        data: Any = json.loads(marker.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as error:
        if isinstance(error, OSError):
            reason = os_reason(error)
        elif isinstance(error, RecursionError):
            reason = "it is nested too deeply"
        else:
            reason = "it is not valid JSON"
        raise AccountStoreError(
            f"The default-account marker {marker} is unreadable ({reason}); choose the default again "
            "with `personalize-mcp accounts --default NAME`."
        ) from None
    name = data.get("default_account") if isinstance(data, dict) else None
    if not isinstance(name, str):
        raise AccountStoreError(
            f"The default-account marker {marker} is unreadable (no default_account name); choose the "
            "default again with `personalize-mcp accounts --default NAME`."
        )
    try:
        return validate_account_name(name)
    except Exception:
        return None


def write_default_marker(folder: Path, name: str) -> None:
    """Atomically set the marker to `name`; the caller holds the marker's lock."""
    data = json.dumps({"default_account": name}, indent=2).encode() + b"\n"
    atomic_write(folder / DEFAULT_MARKER, data)
