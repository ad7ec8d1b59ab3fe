"""How the demo prints: a heading with the call as sent, wrapped text, tables, audiences.

Nothing a person acts on is ever shortened: a long table cell wraps onto more lines of its column, a long sentence
onto more lines of its paragraph. True and false read yes and no; nothing reads "-".
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

WIDTH = 110
"""Columns a wrapped sentence may take (after the three-space indent)."""
LABEL_WIDTH = 20


class Printer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def heading(self, title: str, call: str) -> None:
        """A section's title, then the call exactly as it was sent (`calls.signature`), never wrapped."""
        self.out.write(f"\n== {title} ==\n   {call}\n")

    def line(self, text: str = "") -> None:
        self.out.write(f"   {text}\n")

    def text(self, text: str, *, indent: str = "", first: str | None = None, hanging: str = "  ") -> None:
        """A sentence or paragraph wrapped at `WIDTH`: its first line starts with `first` (default `indent`), the
        others with `indent` + `hanging`."""
        start = indent if first is None else first
        for line in _wrap(text, WIDTH, initial_indent=start, subsequent_indent=indent + hanging) or [start]:
            self.line(line)

    def field(self, label: str, value: Any) -> None:
        """`label:` and its value, the value wrapped under itself."""
        lines = _wrap(cell(value), WIDTH - LABEL_WIDTH) or ["-"]
        self.line(f"{label + ':':<{LABEL_WIDTH}}{lines[0]}")
        for more in lines[1:]:
            self.line(" " * LABEL_WIDTH + more)

    def audiences(self, audiences: Sequence[dict[str, Any]]) -> None:
        """Name, uid and source on one line, the rules in full below: rules are the point."""
        width = max((len(a.get("name") or "-") for a in audiences), default=0)
        for audience in audiences:
            source = audience.get("source") or "-"
            self.line(f"{(audience.get('name') or '-').ljust(width)}  {audience['uid']}  {source}")
            self.text(audience["rules"], indent="    ")
        if not audiences:
            self.line("(none)")

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, max_width: int = 60) -> None:
        """Columns as wide as their widest line; a cell longer than `max_width` wraps within its column."""
        cells = [[_wrap(cell(v), max_width) or [""] for v in row] for row in rows]
        widths = [max([len(h), *(len(line) for r in cells for line in r[i])]) for i, h in enumerate(headers)]
        self.line("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        self.line("  ".join("-" * w for w in widths))
        for row in cells:
            for k in range(max(len(c) for c in row)):
                parts = [(c[k] if k < len(c) else "").ljust(w) for c, w in zip(row, widths, strict=True)]
                self.line("  ".join(parts).rstrip())
        if not cells:
            self.line("(none)")


def cell(value: Any) -> str:
    """One value as text: `-` for nothing, yes / no for true / false, lists joined; never shortened."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value) or "-"
    return str(value)


def _wrap(text: str, width: int, *, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """Whole words per line; a word longer than the line (a uid, a URL) stays whole on a line of its own."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=initial_indent,
        subsequent_indent=subsequent_indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
