"""How the demo prints: a heading with the call made, indented lines, tables and audiences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TextIO


class Printer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def heading(self, title: str, call: str) -> None:
        self.out.write(f"\n== {title} ==\n   {call}\n")

    def line(self, text: str = "") -> None:
        self.out.write(f"   {text}\n")

    def audiences(self, audiences: Sequence[dict[str, Any]]) -> None:
        """Name, uid and source on one line, the rules in full below: rules are the point."""
        width = max((len(a.get("name") or "-") for a in audiences), default=0)
        for audience in audiences:
            source = audience.get("source") or "-"
            self.line(f"{(audience.get('name') or '-').ljust(width)}  {audience['uid']}  {source}")
            self.line(f"    {audience['rules']}")
        if not audiences:
            self.line("(none)")

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, max_width: int = 60) -> None:
        cells = [[cell(v, max_width) for v in row] for row in rows]
        widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
        self.line("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        self.line("  ".join("-" * w for w in widths))
        for row in cells:
            self.line("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if not cells:
            self.line("(none)")


def cell(value: Any, max_width: int) -> str:
    """One value as table text: `-` for nothing, lists joined, cut to `max_width` with an ellipsis."""
    if value is None:
        text = "-"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "-"
    else:
        text = str(value)
    return text if len(text) <= max_width else text[: max_width - 1] + "…"
