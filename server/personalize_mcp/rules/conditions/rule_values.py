"""A rule's own values as the conditions read them (numbers, texts), and what the rule wants in words.

`expected_text` is the trace's `expected` ("\"AU\"", "greater than 1", "true"), the same for every family
that compares with the rule's values.
"""

from __future__ import annotations

import math
import re

from personalize_mcp.rules.conditions.check import NUMBER_CONDITIONS, RuleCheck
from personalize_mcp.rules.conditions.display import alternatives_of, format_number
from personalize_mcp.rules.options import option_values
from personalize_mcp.rules.wording import Operand, value_text

__all__ = ["NUMERIC", "expected_text", "number_of", "rule_texts"]

NUMERIC = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?")
"""A number written as text ("5", "-1.5"), bounded."""


def number_of(value: object) -> float | int | None:
    """A rule value as a finite number (a number, or a number written as text); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else None
    if isinstance(value, str) and NUMERIC.fullmatch(value.strip()):
        number = float(value.strip())
        return int(number) if number.is_integer() and "." not in value else number
    return None


def rule_texts(check: RuleCheck) -> list[str]:
    """The rule's values to compare text with (numbers as written; anything else is left out)."""
    values = option_values(check.rule.options, check.subject.consumed_option) or []
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append(format_number(value))
    return out


def expected_text(check: RuleCheck) -> str | None:
    """What the rule wants, in words ("\"AU\"", "greater than 1", "true")."""
    condition = check.condition
    if condition == "HAS_ANY_VALUE":
        return "any value"
    if condition in ("IS_TRUE", "IS_FALSE"):
        return "true" if condition == "IS_TRUE" else "false"
    values = option_values(check.rule.options, check.subject.consumed_option)
    if not values:
        return None
    if condition in NUMBER_CONDITIONS:
        number = next((n for v in values if (n := number_of(v)) is not None), None)
        word = NUMBER_CONDITIONS[condition][0]
        return f"{word} {format_number(number)}" if number is not None else None
    kind = Operand.JSON if condition == "JSON_MATCH" else Operand.TEXT
    return alternatives_of([value_text(v, kind) for v in values])
