"""The house rule on room size: no module in the answers, rules or MCP-face folders grows past 300 lines.

A module that does one job stays small enough to read in one sitting; one that grows past this is
doing two, and is split (as issue 10 asked) rather than let grow."""

from __future__ import annotations

from pathlib import Path

import personalize_mcp

PACKAGE = Path(personalize_mcp.__file__).parent
ROOMS = ("answers", "rules", "mcp_server")
MAX_LINES = 300


def test_no_module_in_the_answer_rule_or_face_rooms_is_over_300_lines() -> None:
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for room in ROOMS
        for path in (PACKAGE / room).rglob("*.py")
    }
    assert len(sizes) > 30  # the rooms were found
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
