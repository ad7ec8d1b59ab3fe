"""Where the server is reached, and which names count as this machine.

The endpoint paths, the loopback and wildcard names, and the syntax of `--allowed-host` /
`--allowed-origin` entries (a name with an optional `:port` or `:*`). The options check entries
against it; the rebinding guard and CORS expand them the same way, so both admit the same set.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

MCP_PATH = "/mcp"
HEALTH_PATH = "/healthz"

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "[::]", "")  # noqa: S104 — names to recognise, not to bind

HOST_ENTRY = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:(\d{1,5}|\*))?$")
ORIGIN_ENTRY = re.compile(r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:(\d{1,5}|\*))?$")


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback IP literal (with or without IPv6 brackets)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(entry: str) -> str:
    """`name` of an allow-list entry `name`, `name:port` or `name:*` (IPv6 in brackets)."""
    if entry.startswith("["):
        return entry[: entry.index("]") + 1]
    return entry.partition(":")[0]


def any_port(entries: Sequence[str]) -> list[str]:
    """Entries without a port also match any port (`name` -> `name`, `name:*`), lower-cased."""
    expanded: list[str] = []
    for entry in (e.lower() for e in entries):
        authority = entry.split("://", 1)[-1]
        has_port = re.search(r":(\d+|\*)$", authority.rpartition("]")[2]) is not None
        expanded.extend([entry] if has_port else [entry, f"{entry}:*"])
    return list(dict.fromkeys(expanded))
