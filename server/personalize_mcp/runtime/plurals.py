"""A count and its noun in agreement ("1 experience", "2 experiences"), never "experience(s)"."""

from __future__ import annotations

__all__ = ["count", "is_are"]


def count(n: int, singular: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """`n` and the noun it takes: `singular` for one, else `plural` (by default `singular` + "s");
    `grouped` writes thousands with commas (1,200)."""
    shown = f"{n:,}" if grouped else f"{n}"
    return f"{shown} {singular if n == 1 else (plural or singular + 's')}"


def is_are(n: int) -> str:
    """The verb a count of `n` takes: "1 experience is", "2 experiences are"."""
    return "is" if n == 1 else "are"
