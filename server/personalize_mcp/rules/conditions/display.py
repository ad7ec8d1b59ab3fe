"""How values read in a rule's trace line: the visitor's value shown or typed, lists as "any of ...", conditions.

Bounded: a value goes through `rules.wording`, a list names at most five alternatives, a query string is clipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from personalize_mcp.rules.conditions.check import MISSING
from personalize_mcp.rules.wording import NO_VALUE, Operand, clip, quote, value_text

__all__ = [
    "alternatives",
    "alternatives_of",
    "format_number",
    "human",
    "shown",
    "shown_query",
    "shown_values",
    "typed",
]


def human(condition: str) -> str:
    """A condition in words: `IS_MEMBER_OF` -> "is member of"."""
    return condition.replace("_", " ").lower()


def shown(value: object) -> str:
    if value is MISSING:
        return "(not given)"
    return value_text(value, Operand.TEXT)


def shown_values(values: Sequence[str]) -> str:
    if not values:
        return NO_VALUE
    return alternatives_of([quote(v) for v in values])


def shown_query(query: Mapping[str, tuple[str, ...]]) -> str:
    if not query:
        return "(no query parameters)"
    parts = [f"{name}={','.join(values)}" for name, values in list(query.items())[:10]]
    return clip("?" + "&".join(parts), 120)


def alternatives(values: Sequence[str]) -> str:
    return alternatives_of([quote(v) for v in values])


def alternatives_of(shown: Sequence[str]) -> str:
    """Values already shown, as one ("\"AU\"") or as "any of ..." (five named, the rest counted)."""
    if len(shown) == 1:
        return shown[0]
    head = ", ".join(shown[:5])
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    return f"any of {head}{more}"


def typed(value: object) -> str:
    """A value with its JSON type ("the text "5"", "the number 5"), for a rule that compares types strictly."""
    if isinstance(value, str):
        return f"the text {quote(value)}"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {format_number(value)}"
    return value_text(value, Operand.TEXT)


def format_number(value: float | int) -> str:
    return value_text(value, Operand.NUMBER)
