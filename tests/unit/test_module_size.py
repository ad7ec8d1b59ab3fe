"""The house rule on room size: no module outside the sandbox grows past 300 lines.

A module that does one job stays small enough to read in one sitting; one that grows past this is
doing two, and is split (as issues 10 and 21 asked) rather than let grow. Every room is held to it,
and the commands (`cli`, `__main__`, the `demo` package) too; a new room is covered the day it is
made. Only the sandbox is left out: its sample accounts are long tables of data, not long code.
"""

from __future__ import annotations

from pathlib import Path

import personalize_mcp

PACKAGE = Path(personalize_mcp.__file__).parent
EXEMPT = {"sandbox"}
ROOMS = {
    "runtime",
    "config",
    "auth",
    "store",
    "contentstack",
    "transport",
    "connection",
    "answers",
    "rules",
    "mcp_server",
}
COMMANDS = {"cli", "__main__.py", "demo"}
MAX_LINES = 300


def measured_modules() -> dict[str, int]:
    """Lines per module of the package, sandbox aside, keyed by its path inside the package."""
    return {
        path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE.rglob("*.py"))
        if "__pycache__" not in path.parts and path.relative_to(PACKAGE).parts[0] not in EXEMPT
    }


def test_every_room_and_command_is_measured() -> None:
    tops = {name.split("/")[0] for name in measured_modules()}
    assert tops >= ROOMS | COMMANDS
    assert not tops & EXEMPT


def test_no_module_outside_the_sandbox_is_over_300_lines() -> None:
    sizes = measured_modules()
    assert len(sizes) > 100  # the rooms were found
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
